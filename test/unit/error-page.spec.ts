import { NotFoundException } from '@nestjs/common';
import { toErrorBody } from '../../src/common/app-exception.filter';
import { errorPageHeading, errorPageTitle } from '../../src/common/error-page';

describe('the error page words', () => {
  it('titles say what happened, not a bare status number', () => {
    expect(errorPageTitle(404)).toBe('Page not found');
    expect(errorPageTitle(403)).toBe('Not allowed');
    expect(errorPageTitle(429)).toBe('Too many requests');
    expect(errorPageTitle(502)).toBe('Something went wrong'); // any other server fault
    expect(errorPageTitle(418)).toBe('Request refused'); // any other refusal
  });

  it("the router's 'Cannot GET /path' becomes a sentence on the page; the API body keeps its message", () => {
    const body = toErrorBody(new NotFoundException('Cannot GET /nope'));
    expect(body.message).toBe('Cannot GET /nope');
    expect(errorPageHeading(body)).toBe('There is no page at this address.');
  });

  it('any other message is the heading as it is', () => {
    expect(errorPageHeading({ statusCode: 404, code: 'NOT_FOUND', message: 'No analysis with this id.' })).toBe('No analysis with this id.');
    expect(errorPageHeading({ statusCode: 403, code: 'FORBIDDEN', message: 'This page is for administrators.' })).toBe('This page is for administrators.');
  });

  it("a refused id in the address is said as an address that leads nowhere, not in the parser's words", () => {
    const body = { statusCode: 404, code: 'NOT_FOUND' as const, message: 'No such resource (id: expected a UUID).' };
    expect(errorPageHeading(body, '/history/not-a-uuid')).toBe('No analysis with this address.');
    expect(errorPageHeading(body, '/admin/users/x')).toBe('There is nothing at this address.');
  });
});
