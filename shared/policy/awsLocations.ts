/**
 * The forms of AWS's location names, checked before anything is asked of AWS (a wildcard or a typo reached the
 * Price List API and IAM conditions as text). A Region code is a partition-and-area prefix of two to four
 * letters (`us`, `cn`, `eusc` for the European Sovereign Cloud), one or more words and a number:
 * `us-east-1`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`. An Availability Zone is its Region's code
 * and a letter (`us-east-1b`), or a Local Zone's (`us-west-2-lax-1a`: the Region, a metro and a number).
 */
export const REGION_CODE = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

export const AVAILABILITY_ZONE = /^[a-z]{2,4}(-[a-z]+)+-\d+(-[a-z]+-\d+)?[a-z]$/;
