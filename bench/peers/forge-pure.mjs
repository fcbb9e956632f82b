// node-forge as a browser gets it: key generation in pure JavaScript.
import { forgePeer } from './forge-common.mjs';

export const { name, algorithms, pregenAlgorithms, generateKey, createWithKey, create } = forgePeer({ pureJavaScript: true });
