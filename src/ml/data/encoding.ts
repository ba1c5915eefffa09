/**
 * How a stored table becomes the feature matrix, chosen per data set at upload, as scikit-learn
 * users would preprocess it:
 * - categorical columns: `ordinal` (OrdinalEncoder: the index of the category in sorted order, a
 *   missing value stays NaN) or `onehot` (OneHotEncoder: one 0/1 column `<name>_<category>` per
 *   category, and `<name>_nan` for missing values, as scikit-learn 1.2 treats them);
 * - missing values: `none` keeps NaN (histogram gradient boosting handles it; other estimators
 *   refuse such a data set), or SimpleImputer's `mean`, `median`, `most_frequent`, computed over
 *   the whole data set (categorical columns take their most frequent category).
 */
import { InvalidInputError } from '../types';
import type { TableColumn } from './table';

export const CATEGORICAL_ENCODINGS = ['ordinal', 'onehot'] as const;
export const IMPUTATIONS = ['none', 'mean', 'median', 'most_frequent'] as const;
export type CategoricalEncoding = (typeof CATEGORICAL_ENCODINGS)[number];
export type Imputation = (typeof IMPUTATIONS)[number];

export interface EncodingOptions {
  categorical: CategoricalEncoding;
  impute: Imputation;
}

/** More categories than this in one column make one-hot encoding too wide to be useful. */
export const MAX_ONE_HOT_CATEGORIES = 1000;

/** A stored feature column as the format's header describes it (no values). */
export interface ColumnInfo {
  name: string;
  type: TableColumn['type'];
  categories?: string[];
  missing: number;
  /** The value that replaces a missing one when imputing (null when nothing is missing). */
  fill: number | null;
}

/** Model types that take NaN features (scikit-learn 1.2: only histogram gradient boosting). */
export const MISSING_VALUE_MODEL_TYPES: readonly string[] = ['hist_gradient_boosting'];

export const isOneHotColumn = (column: Pick<ColumnInfo, 'type'>, opts: EncodingOptions): boolean => column.type === 'categorical' && opts.categorical === 'onehot';

/** Whether the matrix keeps NaN for this column. */
export const keepsMissing = (column: Pick<ColumnInfo, 'type' | 'missing'>, opts: EncodingOptions): boolean =>
  column.missing > 0 && opts.impute === 'none' && !isOneHotColumn(column, opts);

/** One-hot's categories for a column: its own, then "nan" when missing values are not imputed. */
export function oneHotCategories(column: ColumnInfo, opts: EncodingOptions): string[] {
  const categories = column.categories ?? [];
  return column.missing > 0 && opts.impute === 'none' ? [...categories, 'nan'] : categories;
}

/** The names of the matrix's columns (OneHotEncoder.get_feature_names_out's `<name>_<category>`). */
export function encodedFeatureNames(columns: ColumnInfo[], opts: EncodingOptions): string[] {
  return columns.flatMap((column) => (isOneHotColumn(column, opts) ? oneHotCategories(column, opts).map((c) => `${column.name}_${c}`) : [column.name]));
}

/** 422 when one-hot encoding would give a column more than MAX_ONE_HOT_CATEGORIES indicator columns. */
export function checkEncoding(columns: ColumnInfo[], opts: EncodingOptions): void {
  if (opts.categorical !== 'onehot') return;
  const wide = columns.find((column) => (column.categories?.length ?? 0) > MAX_ONE_HOT_CATEGORIES);
  if (wide) {
    throw new InvalidInputError(
      'categorical_encoding',
      `column "${wide.name}" has ${wide.categories!.length} categories, more than the ${MAX_ONE_HOT_CATEGORIES} one-hot allows; use "ordinal"`,
    );
  }
}

/** SimpleImputer's statistic for one column (missing values NaN); 0 for a column with no value (keep_empty_features). */
export function fillValue(column: TableColumn, impute: Imputation): number | null {
  if (column.missing === 0 || impute === 'none') return null;
  const present = column.values.filter((v) => !Number.isNaN(v));
  if (present.length === 0) return 0;
  if (column.type === 'categorical' || impute === 'most_frequent') {
    // The most frequent value, the smallest among ties (as SimpleImputer picks).
    present.sort();
    let best = present[0];
    let bestCount = 0;
    for (let i = 0; i < present.length; ) {
      let j = i;
      while (j < present.length && present[j] === present[i]) j++;
      if (j - i > bestCount) [best, bestCount] = [present[i], j - i];
      i = j;
    }
    return best;
  }
  if (impute === 'mean') {
    let sum = 0;
    for (const v of present) sum += v;
    return sum / present.length;
  }
  present.sort();
  const mid = present.length >> 1;
  return present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
}
