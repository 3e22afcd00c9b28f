/**
 * The one definition of where models and predictions live in the lake (key prefixes inside a
 * zone). Retraining, promotion, serving, batch scoring and drift monitoring all take their
 * locations from here, so no prefix is typed twice.
 *
 * - `model-candidates/<pipeline>/<run>/`: what a retraining run writes (the team identity writes,
 *   the candidate is registered `PendingManualApproval`). Nothing serves from here.
 * - `models/<model>/`: what serving and batch scoring read. Only the model's promotion writes it,
 *   after the approver approved a package: `versions/<package version>/<artifact>` plus the stable
 *   pointer `current.json`.
 * - `predictions/<model>/dt=YYYY-MM-DD/` in the raw zone: what the model server captures and batch
 *   scoring writes, and what the drift monitor reads.
 */

/** Top-level prefix of retraining candidates (never read by serving). */
export const CANDIDATES_PREFIX = 'model-candidates/';

/** Where the runs of retraining pipeline `pipeline` write: `model-candidates/<pipeline>/`. */
export function candidatesPrefix(pipeline: string): string {
  return `${CANDIDATES_PREFIX}${pipeline}/`;
}

/** Where serving reads model `model`: `models/<model>/` (written only by its promotion). */
export function servingPrefix(model: string): string {
  return `models/${model}/`;
}

/** Folder under the serving prefix holding each promoted package version: `versions/<version>/`. */
export const MODEL_VERSIONS_FOLDER = 'versions/';

/**
 * The stable pointer under the serving prefix that names the approved version the server loads:
 * `{"modelPackageArn", "modelPackageVersion", "modelUri", "sourceModelDataUrl"}`.
 */
export const CURRENT_MODEL_POINTER = 'current.json';

/** The lake zone predictions are captured in. */
export const PREDICTIONS_ZONE = 'raw';

/** Where the predictions of model `model` are written (in {@link PREDICTIONS_ZONE}): `predictions/<model>/`, partitioned `dt=YYYY-MM-DD/`. */
export function predictionsPrefix(model: string): string {
  return `predictions/${model}/`;
}

/** The day partition of a prefix the drift monitor reads (`dt=<day>/`). */
export const PREDICTIONS_PARTITION = 'dt';
