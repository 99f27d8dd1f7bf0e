/**
 * The example CDK app: the resilient global table across two regions with all three chaos experiments, checked by
 * cdk-nag's AwsSolutions pack at every synth. It imports the constructs from the repository's src/, so it runs
 * before the package is built.
 *
 * Run from examples/app (no AWS credentials or network needed to synthesize):
 *   AWS_EC2_METADATA_DISABLED=true npx cdk synth                      # account left unresolved
 *   AWS_EC2_METADATA_DISABLED=true npx cdk synth -c account=111122223333
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './stacks';

const app = new App();
buildApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
