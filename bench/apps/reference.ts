import { App } from 'cdktf';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';

/** The reference platform, as `npm run synth` builds it. */
export function build(app: App): string {
  createReferencePlatform(app);
  return '';
}
