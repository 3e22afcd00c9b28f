import { App } from 'cdktf';
import { AcmePlatform } from './acme-platform';

// Synthesize with: npx cdktf synth --app "npx ts-node --swc examples/company-stack/main.ts"
const app = new App();
const platform = new AcmePlatform(app, 'acme-ml-prod', { environment: 'prod', costCenter: 'cc-4711' });
platform.addModel({ name: 'churn', modelVersion: '3', image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/acme/churn:3.0.2', team: 'growth', costCenter: 'cc-4711' });
app.synth();
