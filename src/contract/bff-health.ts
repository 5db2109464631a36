// What /healthz and /readyz answer: for the orchestrator and the operator, not the page.
import { Type, type Static } from 'typebox';

export const HealthSchema = Type.Object({ status: Type.String() });

/** 200 when every check is 'ok', else 503 with the short reasons. */
export const ReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.String()])),
});
export type Readiness = Static<typeof ReadinessSchema>;
