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
