import { TerraformStack } from 'cdktf';
import './token-stack-traces';

/**
 * A TerraformStack that renders its Terraform JSON once per synth. cdktf resolves the whole stack
 * every time `toTerraform()` is called; the policy pack reads it during validation and the
 * synthesizer writes it right after, so once the stack is prepared (cross-stack references
 * registered, Kubernetes manifests emitted) the first rendering is kept for the rest of the synth.
 */
export abstract class SynthOnceStack extends TerraformStack {
  private prepared = false;
  private rendered?: { [key: string]: any };

  public prepareStack(): void {
    super.prepareStack();
    this.prepared = true;
  }

  public toTerraform(): { [key: string]: any } {
    if (!this.prepared) return this.render();
    this.rendered ??= this.render();
    return this.rendered;
  }

  /** Renders the stack's Terraform JSON (cdktf's rendering); a subclass adds what it renders itself. */
  protected render(): { [key: string]: any } {
    return super.toTerraform();
  }
}
