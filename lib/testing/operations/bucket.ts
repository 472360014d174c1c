import { drain } from '../body.ts';
import type { RequestContext } from '../context.ts';
import { sendEmpty } from '../respond.ts';

/** PutBucket: idempotent for the (single) owner; the configuration body is ignored. */
export async function putBucket(ctx: RequestContext): Promise<void> {
  await drain(ctx.body);
  ctx.env.world.createBucket(ctx.bucket);
  await ctx.env.bucketCreated(ctx.bucket);
  sendEmpty(ctx, 200, { location: `/${ctx.bucket}` });
}
