import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './stacks';
const app = new App({ outdir: '/tmp/proto-out', context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
buildApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try { app.synth(); console.log('SYNTH OK'); } catch (e: any) { console.log('THROWN', String(e.message).slice(0, 3000)); }
