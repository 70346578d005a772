import 'reflect-metadata';
import { logToStderr } from './cli-logger';
import { cliConfig } from './cli-config';
import { parseOptions } from './cli-args';
import { isValidEmail, normalizeEmail } from '../accounts/email';
import { EmailTakenError } from '../accounts/errors';
import { PasswordHasher, randomPassword } from '../accounts/password';
import { passwordProblem } from '../accounts/password-policy';
import { isRole } from '../accounts/roles';
import { UsersService } from '../accounts/users.service';
import { PrismaService } from '../prisma/prisma.service';
import { RateLimitStore } from '../rate-limit/rate-limit.storage';
import { SessionRepository } from '../repositories/session.repository';
import { UserRepository } from '../repositories/user.repository';

const USAGE = `Usage: npm run user:create -- --email someone@example.org [--role user|admin] [--password-stdin]

Creates a user in the database named by DATABASE_URL (applying migrations first).
Without --password-stdin a random password is generated and printed once.
--password-stdin reads the password from standard input (never from the command line,
which other users of the machine could see in the process list).
Either way whoever ran this knows the password: the user is asked to choose a new one
at first login (the API answers 403 PASSWORD_CHANGE_REQUIRED until then).
Exit 0: created; 2: usage, an invalid email or a refused password (the database untouched);
3: a user with that email already exists (nothing changed); 1: the configuration or the database.`;

const EXIT_EMAIL_TAKEN = 3;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function main(argv = process.argv.slice(2), stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let values: { email?: string; role?: string; 'password-stdin'?: boolean; help?: boolean };
  try {
    values = parseOptions(argv, { email: { type: 'string' }, role: { type: 'string', default: 'user' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help || !values.email) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (!isRole(values.role)) {
    console.error('--role must be "user" or "admin"');
    return 2;
  }
  // the operator's input is checked (by the rules UsersService.create applies) before the database
  // is opened: an invalid email made an empty database file, and exited 1 as a failure would
  const email = normalizeEmail(values.email);
  if (!isValidEmail(email)) {
    console.error(`--email: A valid email address is required (got "${values.email}").`);
    return 2;
  }
  const generated = !values['password-stdin'];
  // at a terminal it waited, with no prompt, for end of input (Ctrl-D, not Enter), showing what was typed
  if (!generated && (stdin as { isTTY?: boolean }).isTTY) {
    console.error(
      `--password-stdin reads a pipe, not a terminal: printf '%s' "$PASSWORD" | npm run user:create -- --email ${email} --password-stdin\n` +
        '(or leave it out: a random password is printed once, and the user chooses a new one at first login)',
    );
    return 2;
  }
  const password = generated ? randomPassword() : await readStdin(stdin);
  const problem = passwordProblem(password, email);
  if (problem) {
    console.error(`--password-stdin: ${problem}`);
    return 2;
  }
  const config = cliConfig();
  if (!config) return 1;
  // stdout holds the results only (a script reads the password there); the migrations' log line goes to stderr
  logToStderr(config);
  const prisma = new PrismaService(config);
  try {
    await prisma.onModuleInit();
    // creating a user logs no one in, so the rate-limit store (reset on logins) is a throwaway
    const user = await new UsersService(new UserRepository(prisma), new SessionRepository(prisma), new RateLimitStore(), new PasswordHasher()).create({ email: values.email, password, role: values.role, mustChangePassword: true });
    console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
    if (generated) console.log(`Password (shown once): ${password}`);
    return 0;
  } catch (err) {
    // a taken email is the operator's to resolve, not a failure of the database: exit 3, apart from 1
    if (err instanceof EmailTakenError) {
      console.error(`${err.message.replace(/\.$/, '')}; nothing was changed. Name another email, or set a new password for that user on /admin/users.`);
      return EXIT_EMAIL_TAKEN;
    }
    console.error(`Could not create the user: ${(err as Error).message}`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
