import * as smearscope from 'smearscope';
import { analyzeFromQuery } from '../shared-app.js';

// esbuild bundles the code but not the workers, ONNX Runtime's files or the models: build.mjs
// copies them next to the app, and assetsPath says where.
analyzeFromQuery(smearscope, { assetsPath: new URL('smearscope-assets/', document.baseURI).href });
