import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';

/** The baseline: a bare cdktf app with one bucket. */
export function build(app: App): string {
  const stack = new TerraformStack(app, 'bare');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new S3Bucket(stack, 'bucket', { bucket: 'acme-bench-bucket' });
  return '';
}
