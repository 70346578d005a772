/**
 * Which models each of `count` workers opens. One worker opens them all. With more, each model
 * lives in one worker, the triage model (run on every upload) alone in the first and the
 * diagnosis models spread over the rest, so a second worker adds a thread without a second copy
 * of every session (~190 MB, which put 2 replicated workers over the RSS target) and the two
 * halves of an analysis run on both cores. Workers beyond one per model open every model.
 */
export function placeModels(models: { name: string; triage: boolean }[], count: number): string[][] {
  const all = models.map((m) => m.name);
  const triage = models.filter((m) => m.triage).map((m) => m.name);
  const rest = models.filter((m) => !m.triage).map((m) => m.name);
  if (count <= 1 || !triage.length || !rest.length) return Array.from({ length: Math.max(1, count) }, () => all);
  const slots: string[][] = [triage, ...Array.from({ length: Math.min(count - 1, rest.length) }, () => [] as string[])];
  rest.forEach((name, i) => slots[1 + (i % (slots.length - 1))].push(name));
  while (slots.length < count) slots.push(all);
  return slots;
}
