import { IConstruct } from 'constructs';
import { invalid, show } from './errors';

/** Tags every resource of the platform must carry (applied as provider default_tags). */
export const REQUIRED_TAGS = ['owner', 'cost-center', 'environment', 'data-classification'] as const;

/** Classifications a data store may carry, least to most sensitive. */
export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

/** Tag keys used for cost allocation on top of the required ones. */
export const COST_ALLOCATION_TAGS = ['team', 'model', 'cost-center'] as const;

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * Checks that `tags` carries every required tag with a non-empty value and a known
 * data classification, and that keys and values fit AWS tag rules. Returns the tags.
 */
export function checkTags(scope: IConstruct, tags: Record<string, string>, required: readonly string[] = REQUIRED_TAGS): Record<string, string> {
  const missing = required.filter((k) => !tags[k] || tags[k].trim() === '');
  if (missing.length > 0) {
    invalid(scope, `required tag${missing.length > 1 ? 's' : ''} ${missing.map((m) => show(m)).join(', ')} missing.`,
      `add ${missing.map((m) => `'${m}': '...'`).join(', ')} to the tags prop (required: ${required.join(', ')}).`);
  }
  const classification = tags['data-classification'];
  if (classification !== undefined && !(DATA_CLASSIFICATIONS as readonly string[]).includes(classification)) {
    invalid(scope, `tag "data-classification" is ${show(classification)}, which is not a known classification.`,
      `use one of ${DATA_CLASSIFICATIONS.join(', ')}.`);
  }
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEY.test(k) || k.toLowerCase().startsWith('aws:')) {
      invalid(scope, `tag key ${show(k)} is not a valid AWS tag key.`, 'use 1-128 letters, digits, spaces and _.:/=+-@, not starting with "aws:".');
    }
    if (!TAG_VALUE.test(v)) {
      invalid(scope, `tag ${show(k)} has value ${show(v)}, which is not a valid AWS tag value.`, 'use up to 256 letters, digits, spaces and _.:/=+-@.');
    }
  }
  return tags;
}
