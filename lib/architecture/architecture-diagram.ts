import * as fs from 'fs';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { App } from 'cdktf';
import { invalid } from '../core/errors';
import { ArchitectureModel, buildArchitectureModel } from './architecture-model';
import { renderArchitectureHtml } from './architecture-html';

/** Props of {@link ArchitectureDiagram}. */
export interface ArchitectureDiagramProps {
  /**
   * Title of the page.
   * @default the MlopsStacks' name prefixes with environment and region, e.g. `acme-mlops-prod (prod, eu-west-1)`
   */
  readonly title?: string;
  /**
   * File name, relative to the app's outdir.
   * @default architecture.html
   */
  readonly fileName?: string;
}

const ID = 'architecture_diagram';

/**
 * Writes `<outdir>/architecture.html` when the app synthesizes: the platform drawn as the ML
 * lifecycle, generated from the construct tree and the synthesized Terraform JSON. One per app;
 * `ArchitectureDiagram.of(scope)` returns it, creating it on first use.
 *
 * The page is written by a validation of the app, which cdktf runs after every stack has been
 * synthesized (so it is not written when the app is synthesized with `skipValidation`).
 */
export class ArchitectureDiagram extends Construct {
  /** The diagram of the app containing `scope`, created on first use. */
  public static of(scope: IConstruct, props: ArchitectureDiagramProps = {}): ArchitectureDiagram {
    const app = scope.node.root;
    if (!App.isApp(app)) {
      invalid(scope, 'it is not inside a cdktf App, so there is no synth to write the architecture diagram at.', 'create it inside a cdktf App.');
    }
    const existing = app.node.tryFindChild(ID) as ArchitectureDiagram | undefined;
    if (existing) {
      if (props.title) existing.titles.push(props.title);
      return existing;
    }
    return new ArchitectureDiagram(app, ID, props);
  }

  /** The last model written (after synth). */
  public model?: ArchitectureModel;
  /** Path of the written page (after synth). */
  public filePath?: string;
  /** Milliseconds the last generation took. */
  public generationMs?: number;
  private readonly titles: string[] = [];
  private readonly fileName: string;

  private constructor(app: App, id: string, props: ArchitectureDiagramProps) {
    super(app, id);
    if (props.title) this.titles.push(props.title);
    this.fileName = props.fileName ?? 'architecture.html';
    if (!/^[A-Za-z0-9._-]+\.html$/.test(this.fileName)) {
      invalid(this, `fileName "${this.fileName}" is not a plain .html file name.`, 'use a name such as "architecture.html".');
    }
    app.node.addValidation({ validate: () => { this.write(app); return []; } });
  }

  /** Builds the model from the app and its outdir and writes the page; returns the page's path. */
  public write(app: App): string {
    const start = process.hrtime.bigint();
    this.model = buildArchitectureModel(app, app.outdir, this.titles.length ? this.titles.join(' · ') : undefined);
    this.filePath = path.join(app.outdir, this.fileName);
    fs.writeFileSync(this.filePath, renderArchitectureHtml(this.model));
    this.generationMs = Number(process.hrtime.bigint() - start) / 1e6;
    return this.filePath;
  }
}
