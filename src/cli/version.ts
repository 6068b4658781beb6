import { version } from '../../package.json';

/** The package's version, read from package.json at build time (the report and --version say it). */
export const SMEARSCOPE_VERSION: string = version;
