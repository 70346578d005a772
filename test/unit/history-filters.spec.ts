/**
 * History filters and paging are taken as asked or refused with a 400 naming the parameter:
 * "2025-02-31" was read as 3 March, a reversed range answered "nothing", and out-of-range or
 * malformed paging was silently replaced (pageSize=1000 served 100 rows; page=abc was page 1).
 */
import { ForbiddenError } from '../../src/accounts/errors';
import { BadRequestError } from '../../src/common/errors';
import { parseFilters, parsePaging } from '../../src/history/history.filters';

const admin = { id: 'a', email: 'a@x', role: 'admin' as const, mustChangePassword: false };

describe('history filters', () => {
  it('refuses dates that do not exist instead of rolling them over', () => {
    for (const from of ['2025-02-29', '2025-02-31', '2025-04-31', '2025-13-01', '2025-00-10', '0000-01-01', '2025-1-01']) {
      expect(() => parseFilters({ from }, admin)).toThrow(BadRequestError);
      expect(() => parseFilters({ to: from }, admin)).toThrow(/"to" must be a date/);
    }
    expect(parseFilters({ from: '2024-02-29', to: '9999-12-31' }, admin)).toEqual({ from: '2024-02-29', to: '9999-12-31' });
  });

  it('refuses a range whose start is after its end; one day is a range', () => {
    expect(() => parseFilters({ from: '2025-05-01', to: '2025-01-01' }, admin)).toThrow(/"from" is after "to"/);
    expect(parseFilters({ from: '2025-05-01', to: '2025-05-01' }, admin)).toEqual({ from: '2025-05-01', to: '2025-05-01' });
  });
});

describe('history label and body-part filters', () => {
  it('take the words the pages show as well as the keys: "No tumour" was a 400, "Brain" matched nothing', () => {
    expect(parseFilters({ label: 'No tumour', bodyPart: 'Brain' }, admin)).toEqual({ label: 'notumor', bodyPart: 'brain' });
    expect(parseFilters({ label: '  no   TUMOUR ', bodyPart: 'Other MRI' }, admin)).toEqual({ label: 'notumor', bodyPart: 'other_mri' });
    expect(parseFilters({ label: 'No herniation' }, admin)).toEqual({ label: 'no_herniation' });
    expect(parseFilters({ label: 'notumor', bodyPart: 'spine' }, admin)).toEqual({ label: 'notumor', bodyPart: 'spine' });
    expect(parseFilters({ label: 'Glioma' }, admin)).toEqual({ label: 'glioma' });
  });

  it('still refuse anything that is not a label, saying what one looks like', () => {
    expect(() => parseFilters({ label: '<script>alert(1)</script>' }, admin)).toThrow(/"label" must be a label such as glioma or no tumour/);
    expect(() => parseFilters({ bodyPart: "brain' OR 1=1" }, admin)).toThrow(/"bodyPart" must be a body part such as brain/);
  });
});

describe('history paging', () => {
  it('takes whole numbers in range, and the defaults when absent or empty', () => {
    expect(parsePaging({ page: '3', pageSize: '50' })).toEqual({ page: 3, pageSize: 50 });
    expect(parsePaging({ page: '', pageSize: ' ' })).toEqual({ page: 1, pageSize: 25 });
  });

  it('refuses anything else with a 400 naming the parameter, never a silent substitute', () => {
    for (const page of ['0', '-1', '1.5', 'abc', '12abc', '1e3', '100001', '99999999999', '0x10']) {
      expect(() => parsePaging({ page })).toThrow(/"page" must be a whole number from 1 to 100000/);
    }
    for (const pageSize of ['0', '101', '1000', 'all', '25.0']) {
      expect(() => parsePaging({ pageSize })).toThrow(/"pageSize" must be a whole number from 1 to 100/);
    }
  });

  it("a non-admin's user filter naming someone else is a 403 naming the field, not dropped (their own email answers as before)", () => {
    const alice = { id: 'u', email: 'alice@example.org', role: 'user' as const, mustChangePassword: false };
    // dropped, it answered 200 with alice's own rows: a script would take them for bob's
    expect(() => parseFilters({ user: 'bob@example.org' }, alice)).toThrow(ForbiddenError);
    expect(() => parseFilters({ user: 'bob@example.org' }, alice)).toThrow(/"user" .*administrators/);
    expect(parseFilters({ user: ' Alice@Example.org ', status: 'completed' }, alice)).toEqual({ status: 'completed' });
    expect(parseFilters({ user: 'Bob@Example.org' }, admin)).toEqual({ user: 'bob@example.org' });
  });
});
