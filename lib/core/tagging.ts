import { IConstruct } from 'constructs';
import { invalid, show } from './errors';
import { didYouMean } from './suggest';

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
  if (classification !== undefined) checkDataClassification(scope, classification, 'tag "data-classification"');
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

/**
 * Fails unless `value` is one of {@link DATA_CLASSIFICATIONS} (the values the required
 * `data-classification` tag accepts); `what` names the prop as the user wrote it.
 */
export function checkDataClassification(scope: IConstruct, value: string, what: string): DataClassification {
  if (!(DATA_CLASSIFICATIONS as readonly string[]).includes(value)) {
    invalid(scope, `${what} is ${show(value)}, which is not a known classification${didYouMean(value, DATA_CLASSIFICATIONS)}.`,
      `use one of ${DATA_CLASSIFICATIONS.join(', ')}.`);
  }
  return value as DataClassification;
}
