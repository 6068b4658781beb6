import * as smearscope from 'smearscope';
import { analyzeFromQuery } from '../shared-app.js';

analyzeFromQuery(smearscope);
