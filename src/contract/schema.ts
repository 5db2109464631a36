// Small TypeBox helpers the wire-shape modules share (upstream and BFF alike).
import { Type, type TSchema } from 'typebox';

/** The value, or null: `T | null` on the wire. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
