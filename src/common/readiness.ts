/**
 * Anything that must be healthy for /readyz to answer 200 registers one of these under the
 * READINESS_CHECKS multi-provider token (the database, the model registry, later a session store).
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
