import { App } from 'cdktf';
import { createReferencePlatform } from './platform';

const app = new App();
createReferencePlatform(app);
app.synth();
