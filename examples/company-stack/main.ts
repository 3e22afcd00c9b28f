import { App } from 'cdktf';
import { AcmePlatform } from './acme-platform';

// Synthesize with: npx cdktf synth --app "npx ts-node --swc examples/company-stack/main.ts"
const app = new App();
const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711' });
platform.addModel({ name: 'churn', modelVersion: '3', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme/churn@sha256:3f1d5a8c0b7e92d4a6c1e8f0b3d7a5c9e2f4b6d8a0c2e4f6a8b0d2f4a6c8e0b2', team: 'growth', costCenter: 'cc-4711' });
app.synth();
