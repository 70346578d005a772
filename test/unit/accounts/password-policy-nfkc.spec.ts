import { hashPassword, verifyPassword } from '../../../src/accounts/password';
import { passwordProblem } from '../../../src/accounts/password-policy';

/**
 * The policy judges the password the hash keeps. Hashing folds it by NFKC (so a password typed on
 * a Mac, NFD, logs in where it was set, NFC), but the policy read it as typed: full-width
 * "ｐａｓｓｗｏｒｄ１２３" was accepted, and then "password123" — refused as one of the most
 * common — logged in to that account; five NFD "é" (10 code units) passed the 10-character minimum.
 */
describe('password policy: the password as hashed (NFKC)', () => {
  it('a full-width (compatibility) spelling of a refused password is refused the same way', async () => {
    const wide = 'ｐａｓｓｗｏｒｄ１２３';
    const hash = await hashPassword(wide);
    expect(await verifyPassword('password123', hash)).toBe(true); // what the hash keeps
    expect(passwordProblem(wide)).toBe(passwordProblem('password123'));
    expect(passwordProblem('ＱＷＥＲＴＹＵＩＯＰ')).toBe(passwordProblem('QWERTYUIOP'));
    expect(passwordProblem('QWERTYUIOP')).not.toBeNull();
  });

  it('the email, typed in full-width, is refused as the email', () => {
    expect(passwordProblem('ｒｅｓｅａｒｃｈｅｒ＠ｅｘａｍｐｌｅ．ｏｒｇ', 'researcher@example.org')).toBe('The password must not be the email address or its name part.');
  });

  it('the minimum counts characters as hashed: combining accents typed apart are one character each with their letter', async () => {
    const nfd = 'e\u0301a\u0301i\u0301o\u0301u\u0301'; // "éáíóú" as NFD: 10 code points, 5 characters
    expect(await verifyPassword(nfd.normalize('NFC'), await hashPassword(nfd))).toBe(true);
    expect(passwordProblem(nfd)).toBe('The password must have at least 10 characters.');
    // the same letters, 10 of them, in either form pass alike
    const ten = 'éáíóúÉÁÍÓÚ';
    expect(passwordProblem(ten)).toBeNull();
    expect(passwordProblem(ten.normalize('NFD'))).toBeNull();
  });

  it('no truncation (scrypt, not bcrypt\'s 72 bytes): two long passwords differing only in their last character are two passwords', async () => {
    const long = 'correct horse battery staple '.repeat(4); // 116 bytes
    const hash = await hashPassword(`${long}A`);
    expect(await verifyPassword(`${long}A`, hash)).toBe(true);
    expect(await verifyPassword(`${long}B`, hash)).toBe(false);
  });
});
