import { ConfigValidationError, parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';

describe('config', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe('file:./data/sentinel.db');
    expect(env.MODELS_DIR).toBe('./models');
    expect(env.SAMPLES_DIR).toBe('../shared/samples');
    expect(env.ANALYSIS_TIMEOUT_MS).toBe(10000);
    expect(env.MAX_UPLOAD_BYTES).toBe(5 * 1024 * 1024);
    expect(env.CONFIDENCE_THRESHOLD).toBeUndefined();
    expect(env.DB_MIGRATE_ON_START).toBe(true);
  });

  it('coerces and validates values', () => {
    const env = parseEnv({ PORT: '8080', CONFIDENCE_THRESHOLD: '0.7', DB_MIGRATE_ON_START: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.CONFIDENCE_THRESHOLD).toBe(0.7);
    expect(env.DB_MIGRATE_ON_START).toBe(false);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(3000);
  });

  it('rejects bad values with every problem listed', () => {
    expect(() => parseEnv({ PORT: 'abc', CONFIDENCE_THRESHOLD: '2', DATABASE_URL: 'postgres://x' })).toThrow(
      ConfigValidationError,
    );
    try {
      parseEnv({ PORT: 'abc', CONFIDENCE_THRESHOLD: '2' });
    } catch (err) {
      expect((err as ConfigValidationError).issues.length).toBe(2);
    }
  });

  it('resolves the SQLite file from DATABASE_URL', () => {
    const c = new AppConfig(parseEnv({ DATABASE_URL: 'file:/tmp/x/y.db' }));
    expect(c.databaseFile).toBe('/tmp/x/y.db');
  });
});
