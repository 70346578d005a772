import * as fs from 'node:fs';
import { ConfigValidationError } from '../config/config.schema';
import { AppConfig } from '../config/config.service';

/**
 * The environment's settings for an admin command, or null after printing why they are not
 * valid (the validation's own one-line message; anything else as thrown). The commands then exit
 * 1 — a bad setting is the operator's to fix, not a stack trace.
 */
export function cliConfig(): AppConfig | null {
  try {
    return AppConfig.fromProcess();
  } catch (err) {
    console.error(err instanceof ConfigValidationError ? err.message : err);
    return null;
  }
}

/**
 * For a command that works on data already stored: false, after saying so, when DATABASE_URL names
 * a SQLite file that is not there. Opening it would create the folder and an empty, migrated
 * database, on which the command reports "0 of 0 rows" and exits 0 — a typo in the path read as
 * a clean run. (PostgreSQL: the server answers for itself.)
 */
export function storedDatabaseExists(config: AppConfig): boolean {
  if (config.databaseKind !== 'sqlite') return true;
  const file = config.databaseFile;
  let isFile = false;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    // missing or unreadable: said below
  }
  if (!isFile) console.error(`There is no database file at ${file}: check DATABASE_URL (this command does not create one).`);
  return isFile;
}
