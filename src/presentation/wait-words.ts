/**
 * A wait in words, in the units a person reads: "45 s", "15 min", "14 min 59 s", "1 h 1 min". The
 * server-rendered line of a rate-limited page (login.hbs, error.hbs) said a 900 s lock "900 s"
 * under "Please wait 15 minutes"; public/js/wait.js counts the same wait down by this rule
 * (test/unit/presentation/wait-words.spec.ts compares the two over every wait up to two hours). The 429
 * messages word their wait by it too (rate-limit.guard.ts, request-limit.ts): rounded up to whole minutes,
 * "Please wait 15 minutes" stood over "You can try again in 14 min 59 s" (test/e2e/wait-wording.e2e.spec.ts).
 */
export function waitWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', r ? `${r} s` : ''].filter(Boolean).join(' ');
}
