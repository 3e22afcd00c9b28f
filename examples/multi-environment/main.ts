import { App } from 'cdktf';
import { createEnvironments } from './environments';

// Synthesize with: npx cdktf synth --app "npx ts-node --swc examples/multi-environment/main.ts"
const app = new App();
createEnvironments(app);
app.synth();
