export interface FeatureConfig { name: string; type: 'numeric' | 'categorical'; psiThreshold: number; ksThreshold?: number; bins?: number }
export interface DriftConfig {
  model: string; namespace?: string; emfEndpoint?: string; baseline: string; recent: string; features: FeatureConfig[];
  quality?: { task: 'classification' | 'regression'; predictions: string; groundTruth: string; idField?: string; predictionField?: string; labelField?: string; baseline: number; maxDegradation: number };
}
export function quantileEdges(sorted: number[], bins: number): number[];
export function numericPsi(baseline: number[], recent: number[], bins?: number): number;
export function categoricalPsi(baseline: unknown[], recent: unknown[]): number;
export function kolmogorovSmirnov(a: number[], b: number[]): { statistic: number; pValue: number };
export function modelQuality(task: string, predictions: any[], labels: any[], idField: string, predictionField: string, labelField: string): { value: number; joined: number };
export function parseRecords(text: string, file: string): Record<string, unknown>[];
export function loadRecords(target: string): Record<string, unknown>[];
export function computeDrift(config: DriftConfig, baseline: any[], recent: any[], quality?: { value: number; joined: number }): any;
export function toEmf(result: any, namespace: string, timestamp: number): any[];
export function checkConfig(config: unknown): string[];
export function sendEmf(endpoint: string, docs: unknown[]): Promise<void>;
export function main(argv: string[]): Promise<number>;
