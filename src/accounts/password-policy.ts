import { MIN_PASSWORD_LENGTH } from './password';

/**
 * Password policy after OWASP ASVS 5 / NIST SP 800-63B: a minimum length, a generous maximum,
 * any characters (no composition rules), and a refusal of passwords that are trivially guessed —
 * blank or one repeated character, too few distinct characters, a keyboard or counting run,
 * one of the most common breached passwords, or the account's own email. No network lookup
 * (the service runs offline): the breached list is a short embedded one.
 */
export const MAX_PASSWORD_LENGTH = 1024;

/** Most frequent entries of public breach corpora that reach 10 characters (lower case). */
const COMMON = new Set([
  '1234567890', '12345678910', '123456789a', '0123456789', '0987654321', '1111111111', '1q2w3e4r5t', '1qaz2wsx3edc',
  'qwertyuiop', 'asdfghjkl;', 'zxcvbnm,./', 'qwerty1234', 'qwerty12345', 'qwertyuiop1', 'password12', 'password123',
  'password1234', 'passw0rd123', 'p@ssw0rd12', 'p@ssword123', 'iloveyou12', 'iloveyou123', 'letmein123', 'welcome123',
  'welcome1234', 'admin12345', 'administrator', 'changeme123', 'football123', 'baseball123', 'princess123', 'sunshine123',
  'monkey12345', 'dragon12345', 'trustno1234', 'abc1234567', 'abcdefghij', 'aa12345678', 'a123456789', 'q1w2e3r4t5',
  'starwars123', 'superman123', 'mypassword', 'mypassword1', 'secret1234', 'computer123', 'internet123', 'whatever123',
]);

const RUNS = ['0123456789012345678901234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm'];

/**
 * Why this password is refused, or null when it is acceptable. Judged as hashed (password.ts folds
 * it by NFKC): read as typed, full-width "ｐａｓｓｗｏｒｄ１２３" passed and then "password123" logged in
 * to that account, and five accented letters typed as NFD (10 code points) passed the minimum.
 * The maximum is of the text as typed: it bounds what a request hands the hash.
 */
export function passwordProblem(typed: string, email?: string): string | null {
  if ([...typed].length > MAX_PASSWORD_LENGTH) return `The password must have at most ${MAX_PASSWORD_LENGTH} characters.`;
  const password = typed.normalize('NFKC');
  const chars = [...password];
  if (chars.length < MIN_PASSWORD_LENGTH) return `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`;
  const folded = password.trim().toLowerCase();
  if ([...new Set(chars)].length < 4 || [...new Set([...folded])].length < 4) return 'The password is too easy to guess (too few different characters).';
  if (COMMON.has(folded) || COMMON.has(folded.replace(/[^a-z0-9]/g, ''))) return 'The password is one of the most common passwords; choose another.';
  const reversed = [...folded].reverse().join('');
  if (RUNS.some((r) => r.includes(folded) || r.includes(reversed))) return 'The password is too easy to guess (a keyboard or counting run).';
  const local = email?.split('@')[0]?.toLowerCase();
  const bare = folded.replace(/[^a-z0-9]+$/, '').replace(/\d+$/, '');
  if (email && (folded === email.toLowerCase() || bare === local)) return 'The password must not be the email address or its name part.';
  return null;
}
