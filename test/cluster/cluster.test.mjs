// The cluster suite (node --test; .ci/run's cluster stage): real PostgreSQL, real Redis, two
// replicas of the production build and HAProxy, all started here once and stopped at the end.
// The tests live in *-suites.mjs (registered here, in this order, so that they share the one
// cluster; node --test runs *.test.mjs files only); context.mjs holds what they share.
import { after, before } from 'node:test';
import { ctx, start } from './context.mjs';
import { failureSuites } from './failure-suites.mjs';
import { planSuites } from './plan-suites.mjs';
import { replicaSuites } from './replica-suites.mjs';
import { schemaSuites } from './schema-suites.mjs';
import { sqliteMoveSuites } from './sqlite-move-suites.mjs';

before(start);

after(async () => {
  await ctx.cluster?.stop();
});

schemaSuites();
planSuites();
sqliteMoveSuites();
replicaSuites();
failureSuites(); // last: it kills a replica and Redis
