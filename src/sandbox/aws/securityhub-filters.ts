// GetFindings filters (AwsSecurityFindingFilters): the string filters on the attributes the
// sandbox models, combined the way the StringFilter reference describes.
import { securityHubError } from './errors.js';
import { isObject, type JsonObject } from './input.js';
import { stringAt } from './securityhub-asff.js';

export type FindingPredicate = (finding: JsonObject) => boolean;

/** Filter name → the finding value it compares. Any other filter is refused rather than ignored. */
const FILTERED_VALUES: Record<string, (finding: JsonObject) => string | undefined> = {
  Id: (f) => stringAt(f, 'Id'),
  ProductArn: (f) => stringAt(f, 'ProductArn'),
  AwsAccountId: (f) => stringAt(f, 'AwsAccountId'),
  GeneratorId: (f) => stringAt(f, 'GeneratorId'),
  Region: (f) => stringAt(f, 'Region'),
  Title: (f) => stringAt(f, 'Title'),
  SeverityLabel: (f) => stringAt(f, 'Severity', 'Label'),
  ComplianceStatus: (f) => stringAt(f, 'Compliance', 'Status'),
  WorkflowStatus: (f) => stringAt(f, 'Workflow', 'Status'),
  RecordState: (f) => stringAt(f, 'RecordState'),
};

type Test = (value: string, filterValue: string) => boolean;

// "CONTAINS, EQUALS, and PREFIX filters on the same field are joined by OR ... NOT_CONTAINS,
// NOT_EQUALS, and PREFIX_NOT_EQUALS filters on the same field are joined by AND."
const INCLUDING: Record<string, Test> = {
  EQUALS: (v, f) => v === f,
  PREFIX: (v, f) => v.startsWith(f),
  CONTAINS: (v, f) => v.includes(f),
};
const EXCLUDING: Record<string, Test> = {
  NOT_EQUALS: (v, f) => v !== f,
  PREFIX_NOT_EQUALS: (v, f) => !v.startsWith(f),
  NOT_CONTAINS: (v, f) => !v.includes(f),
};

/** "You can filter by up to 10 finding attributes. For each attribute, you can provide up to 20 filter values." */
const MAX_ATTRIBUTES = 10;
const MAX_VALUES = 20;

const invalidFilters = (message: string) => securityHubError('InvalidInputException', message, 400);

interface StringFilter {
  comparison: string;
  value: string;
}

function stringFiltersOf(name: string, list: unknown): StringFilter[] {
  if (!Array.isArray(list)) throw invalidFilters(`Filters.${name} must be a list of string filters`);
  if (list.length > MAX_VALUES) throw invalidFilters(`Filters.${name} has more than ${MAX_VALUES} filter values`);
  return list.map((filter) => {
    const comparison = stringAt(filter, 'Comparison');
    const value = stringAt(filter, 'Value');
    if (!comparison || !(comparison in INCLUDING || comparison in EXCLUDING)) throw invalidFilters(`Filters.${name}: invalid Comparison ${String(comparison)}`);
    if (value === undefined || value === '') throw invalidFilters(`Filters.${name}: Value must not be empty`);
    return { comparison, value };
  });
}

/**
 * The combinations the reference forbids: CONTAINS only with CONTAINS, NOT_CONTAINS only with
 * NOT_CONTAINS, and EQUALS not with NOT_EQUALS or PREFIX_NOT_EQUALS ("returns an error").
 */
function checkCombination(name: string, filters: StringFilter[]): void {
  const used = new Set(filters.map((f) => f.comparison));
  const alone = (c: string) => used.has(c) && used.size > 1;
  const clash = used.has('EQUALS') && (used.has('NOT_EQUALS') || used.has('PREFIX_NOT_EQUALS'));
  if (alone('CONTAINS') || alone('NOT_CONTAINS') || clash) throw invalidFilters(`Filters.${name} combines comparisons that cannot be combined`);
}

/**
 * One attribute's test: some including filter matches (if there are any), and every excluding one
 * does. An absent value matches no including filter and every excluding one (sandbox assumption).
 */
function attributeTest(valueOf: (finding: JsonObject) => string | undefined, filters: StringFilter[]): FindingPredicate {
  const including = filters.filter((f) => f.comparison in INCLUDING);
  const excluding = filters.filter((f) => f.comparison in EXCLUDING);
  return (finding) => {
    const value = valueOf(finding);
    const included = including.length === 0 || (value !== undefined && including.some((f) => INCLUDING[f.comparison]?.(value, f.value)));
    return included && (value === undefined || excluding.every((f) => EXCLUDING[f.comparison]?.(value, f.value)));
  };
}

/** A predicate for the Filters member of GetFindings; different attributes are joined by AND. */
export function findingFilter(filters: unknown): FindingPredicate {
  if (filters === undefined || filters === null) return () => true;
  if (!isObject(filters)) throw invalidFilters('Filters must be a structure');
  const attributes = Object.entries(filters).filter(([, list]) => list !== undefined && list !== null);
  if (attributes.length > MAX_ATTRIBUTES) throw invalidFilters(`Filters may name at most ${MAX_ATTRIBUTES} finding attributes`);
  const tests = attributes.map(([name, list]) => {
    const valueOf = FILTERED_VALUES[name];
    if (!valueOf) throw invalidFilters(`The sandbox does not support the GetFindings filter ${name}`);
    const stringFilters = stringFiltersOf(name, list);
    checkCombination(name, stringFilters);
    return attributeTest(valueOf, stringFilters);
  });
  return (finding) => tests.every((test) => test(finding));
}
