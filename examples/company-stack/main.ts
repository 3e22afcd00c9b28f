import { App } from 'cdktf';
import { AcmePlatform } from './acme-platform';

// Synthesize with: npx cdktf synth --app "npx ts-node --swc examples/company-stack/main.ts"
const app = new App();
// The model images come from the platform's registry, which CI pushes to (tags are immutable).
const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711', containerRegistry: { accountId: '111122223333', models: ['churn'], platformImages: ['aws-otel-collector'] } });
platform.addModel({ name: 'churn', modelVersion: '3', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme-ml-prod/models/churn:3.0.2', team: 'growth', costCenter: 'cc-4711', artifactsProducedBy: 'the churn training pipeline of the growth team' });
app.synth();
