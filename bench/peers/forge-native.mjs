// node-forge in Node: key generation through crypto.generateKeyPairSync, signing still in JavaScript.
import { forgePeer } from './forge-common.mjs';

export const { name, algorithms, pregenAlgorithms, generateKey, createWithKey, create } = forgePeer({ pureJavaScript: false });
