/** Renders `entry`'s exports (a `.ts` module of zod schemas and inferred types) as a `.d.ts` with no reference to zod. */
export declare function wireTypes(entry: string): string;
