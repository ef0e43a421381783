/**
 * The voice bank as the dashboard reads it from `GET /api/v1/speakers` (enrolled people and
 * their voiceprints). The endpoints are not part of the gateway's OpenAPI document yet, so the
 * answer is validated with zod here, tolerantly: a list, or a page `{items: [...]}`; each person
 * has a `name` and optionally an `id`, a number of enrolment recordings and a creation time.
 * Once the gateway publishes these endpoints, `npm run gen:api` types them like the others.
 */
import { z } from "zod";

export const enrolledSpeakerSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    name: z.string(),
    samples: z.number().optional(),
    num_samples: z.number().optional(),
    recordings: z.number().optional(),
    created_at: z.string().nullish(),
  })
  .passthrough();

export type EnrolledSpeaker = z.infer<typeof enrolledSpeakerSchema>;

const listSchema = z.union([
  z.array(enrolledSpeakerSchema),
  z.object({ items: z.array(enrolledSpeakerSchema) }).passthrough(),
]);

/**
 * Validate the body of `GET /api/v1/speakers`.
 *
 * @throws {z.ZodError} When it is neither a list of people nor a page of them.
 */
export function parseVoiceBank(body: unknown): EnrolledSpeaker[] {
  const parsed = listSchema.parse(body);
  return Array.isArray(parsed) ? parsed : parsed.items;
}

/** The path segment that names a person in `DELETE /api/v1/speakers/{…}`: the id, else the name. */
export function speakerKey(s: EnrolledSpeaker): string {
  return encodeURIComponent(String(s.id ?? s.name));
}

/** Number of enrolment recordings, when the gateway says. */
export function sampleCount(s: EnrolledSpeaker): number | undefined {
  return s.samples ?? s.num_samples ?? s.recordings;
}
