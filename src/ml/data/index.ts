export { parseCsv, loadSampleDataset, SAMPLE_DATASETS, SAMPLE_DATA_DIR, isSampleDatasetName } from './csv';
export type { ParseCsvOptions, SampleDatasetInfo, SampleDatasetName } from './csv';
