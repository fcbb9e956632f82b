// The private-ca console: one page that creates root CAs the way the cloud console does.
//
// This one module runs twice. On the page it holds the account (a `PrivateCa`), the form and
// everything shown. Started as a module Web Worker (`new Worker(import.meta.url)`) it does the
// slow, self-contained jobs: RSA and EC key generation, and the scrypt work of encrypting and
// decrypting a key. A worker holds no CA, so throwing one away (Cancel) loses nothing.
//
// Every rule about the request lives in Rust: the page sends what was typed to
// `validateRootCACertificateRequest` and shows the error it gets back beside the field it names.

import init, {
  PrivateCa,
  countryCodes,
  generatePrivateKey,
  validateRootCACertificateRequest,
} from './pkg/private_ca.js';

const IN_WORKER =
  typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
// Which side runs is decided at the end of this file, once every constant is initialized.

// ---------------------------------------------------------------------------------------------
// The worker side. Nothing here may touch `window` or `document`.

/** Answers one job: `{ op, module, args }` in, `{ ok, result }` or `{ ok: false, error }` out. */
function serveWorkerJobs() {
  globalThis.addEventListener('message', async ({ data }) => {
    try {
      await init({ module_or_path: data.module });
      const result = await WORKER_JOBS[data.op](data.args);
      globalThis.postMessage({ ok: true, result });
    } catch (error) {
      globalThis.postMessage({ ok: false, error: plainError(error) });
    }
  });
}

const WORKER_JOBS = {
  /** A fresh key as plain PKCS#8 PEM. */
  generate: ({ Algorithm }) => generatePrivateKey(Algorithm),
  /** Re-encrypts a plain key with a passphrase, through a throwaway account. */
  encrypt: async ({ Certificate, PrivateKey, Passphrase }) => {
    const scratch = new PrivateCa();
    const { Identifier } = await scratch.importCACertificate({ Certificate, PrivateKey });
    return scratch.exportCAPrivateKey({ Identifier, Passphrase });
  },
  /** Decrypts a key (checking it against its certificate), through a throwaway account. */
  decrypt: async ({ Certificate, PrivateKey, Passphrase }) => {
    const scratch = new PrivateCa();
    const request = { Certificate, PrivateKey, Passphrase };
    const { Identifier } = await scratch.importCACertificate(request);
    return scratch.exportCAPrivateKey({ Identifier, Plain: true });
  },
};

/** The API error's fields, which structured cloning would otherwise drop. */
function plainError(error) {
  const { name, code, statusCode, requestId, data, message } = error ?? {};
  return { name, code, statusCode, requestId, data, message: message ?? String(error) };
}

// ---------------------------------------------------------------------------------------------
// Text. English lives in index.html; Chinese for it here, keyed by each element's data-i18n.

const ZH = {
  'title': '私有 CA',
  'subtitle': '在此浏览器标签页中创建根证书颁发机构',
  'create.title': '创建根 CA',
  'create.lead': '填写 CA 的身份信息，选择密钥类型和有效期，然后创建。所有操作都在本页面完成：' +
    '不会向服务器发送任何内容，私钥在您下载之前只保存在此页面中。',
  'group.subject': '主体：CA 的身份',
  'group.key': '密钥与有效期',
  'group.optional': '可选项',
  'CommonName.label': '通用名称',
  'CommonName.hint': '证书查看器中显示的 CA 名称。必填，1–64 个字符。',
  'Organization.label': '组织',
  'Organization.hint': '公司或组织名称。必填，1–64 个字符。',
  'OrganizationUnit.label': '部门',
  'OrganizationUnit.hint': '组织单位。必填，1–64 个字符。',
  'Locality.label': '城市',
  'Locality.hint': '城市或地区。必填，1–128 个字符。',
  'State.label': '省份',
  'State.hint': '省、州或直辖市。必填，1–128 个字符。',
  'CountryCode.label': '国家或地区',
  'CountryCode.hint': '可选。输入名称或两个字母的 ISO 3166 代码进行搜索。',
  'Algorithm.label': '密钥算法',
  'Algorithm.hint': 'RSA 2048 兼容性最好；ECC P-256 更小、更快。',
  'Years.label': '有效期（年）',
  'Years.hint': '1 到 10 的整数年。根 CA 通常为 10 年。',
  'ClientToken.label': '客户端令牌',
  'ClientToken.generate': '生成',
  'ClientToken.hint': '让重试变得安全：相同的令牌和相同的字段会返回同一个 CA。1–64 个可见 ASCII 字符。',
  'ResourceGroupId.label': '资源组',
  'ResourceGroupId.hint': '"rg-" 后接小写字母或数字。',
  'Tags.label': '标签',
  'Tags.add': '+ 添加标签',
  'Tags.hint': '最多 20 个键值对。键不能重复，且不能以 "aliyun" 或 "acs:" 开头。',
  'submit': '创建根 CA',
  'reset': '清空表单',
  'cancel': '取消',
  'result.title': '根 CA',
  'result.identifier': '标识符',
  'result.downloadCa': '下载 CA（证书 + 加密私钥）',
  'result.decoded': '证书',
  'result.pem': '证书（PEM）',
  'result.json': '响应 JSON',
  'result.key': '私钥',
  'result.keyHint': '私钥保存在此页面中。仅在需要将 CA 迁移到别处时导出；持有私钥的人可以以此 CA 的名义签发证书。',
  'result.exportKey': '导出私钥…',
  'copy': '复制',
  'download': '下载',
  'hide': '隐藏',
  'list.title': '本次会话中的 CA',
  'list.empty': '暂无。您创建或导入的 CA 会显示在这里；它们只在此页面存在期间保留。',
  'list.name': '通用名称 / 标识符',
  'list.algorithm': '算法',
  'list.created': '创建时间',
  'list.saved': '已保存',
  'list.actions': '操作',
  'import.title': '导入 CA',
  'import.lead': '导入从本页面下载的 CA：证书和私钥，可以在一个文件中，也可以在两个文件中。',
  'import.files': '文件（.pem）',
  'import.certificate': '证书',
  'import.key': '私钥',
  'import.passphrase': '密码',
  'import.passphraseHint': '私钥已加密时需要。',
  'import.submit': '导入',
  'footer': '离线运行：Rust 编译为 WebAssembly，无服务器，无跟踪。CA 仅保存在此标签页的内存中；' +
    '请下载需要保留的 CA。',
  'export.title': '导出私钥',
  'export.warning': '持有此私钥的人可以签发被所有信任此根证书的系统接受的证书。请离线保管，并优先选择加密形式。',
  'export.form': '保护方式',
  'export.encrypted': '使用密码加密（PKCS#8，scrypt + AES-256）',
  'export.plain': '明文、未加密的 PKCS#8',
  'export.confirm': '导出',
  'passphrase': '密码',
  'passphraseRepeat': '再次输入密码',
  'bundle.title': '下载 CA',
  'bundle.lead': '一个 .pem 文件，包含证书和用您选择的密码加密的私钥。以后可在此处导入以再次使用此 CA。' +
    '没有密码将无法恢复私钥。',
};

/** Text made by the module, in both languages. `{name}` is replaced by `vars.name`. */
const TEXT = {
  'note.RSA_1024': [
    'Refused by modern verifiers (browsers, OpenSSL at security level 2). Only for legacy systems.',
    '现代验证方（浏览器、安全级别 2 的 OpenSSL）会拒绝 1024 位 RSA 密钥。仅用于旧系统。',
  ],
  'note.RSA_4096': [
    'Takes a few seconds to generate; the page stays usable and you can cancel.',
    '生成需要数秒；期间页面仍可使用，也可以取消。',
  ],
  'note.ECC_384': [
    'Signed with SHA-256, as the cloud API documents: strength is capped at 128 bits ' +
      '(P-384 usually pairs with SHA-384).',
    '按云 API 文档使用 SHA-256 签名：强度上限为 128 位（P-384 通常搭配 SHA-384）。',
  ],
  'note.ECC_512': [
    'P-521: browsers do not accept it for TLS. Signed with SHA-256 as documented, which caps ' +
      'strength at 128 bits.',
    'P-521：浏览器不接受用于 TLS。按文档使用 SHA-256 签名，强度上限为 128 位。',
  ],
  'note.SM2_256': [
    'SM2 with SM3: verifies only with SM2-aware tools (such as Tongsuo or GmSSL); browsers ' +
      'do not accept it.',
    'SM2 搭配 SM3：仅支持 SM2 的工具（如铜锁 Tongsuo、GmSSL）可以验证；浏览器不接受。',
  ],
  'progress.key': [
    'Generating the {algorithm} key in a Web Worker…',
    '正在 Web Worker 中生成 {algorithm} 密钥…',
  ],
  'progress.keyHint': ['The page stays usable. Cancel stops at once.', '页面仍可使用。点击“取消”立即停止。'],
  'progress.sign': ['Signing the certificate…', '正在签署证书…'],
  'progress.signHint': ['Almost done.', '即将完成。'],
  'progress.check': ['Checking the fields…', '正在检查字段…'],
  'notice.cancelled': [
    'Cancelled. Nothing was created, and the CAs you already have are kept.',
    '已取消。未创建任何内容，已有的 CA 均保留。',
  ],
  'notice.created': ['Root CA created.', '根 CA 已创建。'],
  'error.missing': ['Required', '必填'],
  'error.invalid': ['Invalid', '无效'],
  'error.other': ['Failed', '失败'],
  'tag.key': ['Key', '键'],
  'tag.value': ['Value', '值'],
  'tag.remove': ['Remove tag {n}', '删除标签 {n}'],
  'tag.keyLabel': ['Tag {n} key', '标签 {n} 的键'],
  'tag.valueLabel': ['Tag {n} value', '标签 {n} 的值'],
  'saved.yes': ['Downloaded', '已下载'],
  'saved.no': ['Not downloaded', '未下载'],
  'saved.imported': ['Imported', '已导入'],
  'list.show': ['Show', '查看'],
  'list.download': ['Download', '下载'],
  'list.remove': ['Remove', '移除'],
  'list.confirmRemove': [
    'Remove {name} from this page? Its private key is wiped; download it first to keep it.',
    '从此页面移除 {name}？其私钥将被清除；如需保留，请先下载。',
  ],
  'd.subject': ['Subject', '主体'],
  'd.issuer': ['Issuer', '颁发者'],
  'd.selfSigned': ['same as subject (self-signed)', '与主体相同（自签名）'],
  'd.serial': ['Serial number', '序列号'],
  'd.version': ['Version', '版本'],
  'd.validity': ['Validity', '有效期'],
  'd.years': ['{from} to {to}', '{from} 至 {to}'],
  'd.key': ['Public key', '公钥'],
  'd.signature': ['Signature algorithm', '签名算法'],
  'd.sha256': ['SHA-256 fingerprint', 'SHA-256 指纹'],
  'd.md5': ['MD5 fingerprint', 'MD5 指纹'],
  'd.extensions': ['Extensions', '扩展'],
  'd.critical': ['critical', '关键'],
  'd.noSubtle': [
    'unavailable: WebCrypto needs a secure context (localhost or HTTPS)',
    '不可用：WebCrypto 需要安全上下文（localhost 或 HTTPS）',
  ],
  'copied': ['Copied', '已复制'],
  'key.plain': ['Plain private key. Keep it secret.', '明文私钥，请妥善保密。'],
  'key.encrypted': ['Encrypted private key (needs the passphrase).', '加密私钥（需要密码）。'],
  'passphrase.mismatch': ['The two passphrases differ.', '两次输入的密码不一致。'],
  'working.encrypt': ['Encrypting…', '正在加密…'],
  'working.import': ['Importing…', '正在导入…'],
  'import.done': ['Imported as {id}.', '已导入，标识符 {id}。'],
  'import.noPem': [
    'No PEM certificate or private key found in {name}.',
    '在 {name} 中未找到 PEM 证书或私钥。',
  ],
  'boot.error': [
    'The WebAssembly module did not load ({message}). Build it with .ci/build-pkg, copy it ' +
      'with www/build.sh, and serve www/ over HTTP.',
    'WebAssembly 模块加载失败（{message}）。请用 .ci/build-pkg 构建，用 www/build.sh 复制，' +
      '并通过 HTTP 提供 www/ 目录。',
  ],
};

// ---------------------------------------------------------------------------------------------
// Page state.

const FIELDS = [
  'CommonName', 'OrganizationUnit', 'Organization', 'Locality', 'State', 'CountryCode',
  'Algorithm', 'Years', 'ClientToken', 'Tags', 'ResourceGroupId',
];
/** Errors whose code names no field, but which belong beside one. */
const CODE_FIELDS = { IdempotentParameterMismatch: 'ClientToken' };
const LANG_KEY = 'private-ca.lang';

const state = {
  /** The account: every CA of this session. Only the page holds it. */
  ca: null,
  /** The compiled wasm module, handed to each worker so none fetches or compiles it again. */
  module: null,
  /** By Identifier: { Identifier, Certificate, info, response?, certSaved, keySaved, imported }. */
  records: new Map(),
  /** The running creation: { task, algorithm, cancelled, started, phase, timer }. */
  job: null,
  /** The Identifier the "Download CA" dialog is open for. */
  bundleFor: null,
  /** The Identifier shown in the result panel. */
  shown: null,
  lang: 'en',
  /** English text of each data-i18n element, read from index.html. */
  english: new Map(),
  countries: [],
};

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

function t(key, vars = {}) {
  const [en, zh] = TEXT[key] ?? [key, key];
  const text = state.lang === 'zh' ? zh : en;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** `el('p', { class: 'x' }, 'text', child)`: text children become text nodes, never HTML. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// ---------------------------------------------------------------------------------------------
// Start-up.

async function boot() {
  state.lang = localStorage.getItem(LANG_KEY)
    ?? (navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en');
  for (const node of $$('[data-i18n]')) state.english.set(node, node.textContent);
  wireEvents();
  applyLanguage(state.lang);
  try {
    state.module = await compileWasm(new URL('./pkg/private_ca_bg.wasm', import.meta.url));
    await init({ module_or_path: state.module });
    state.ca = new PrivateCa();
    state.countries = countryCodes();
  } catch (error) {
    const banner = $('#boot-error');
    banner.textContent = t('boot.error', { message: error.message ?? String(error) });
    banner.hidden = false;
    return;
  }
  fillCountries();
  $('#fields').disabled = false;
  $('#import-submit').disabled = false;
  document.body.dataset.ready = 'true';
}

/** Compiles the wasm once; streaming needs `application/wasm`, so fall back to bytes. */
async function compileWasm(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch (error) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

function wireEvents() {
  $('#form').addEventListener('submit', onSubmit);
  $('#cancel').addEventListener('click', onCancel);
  $('#reset').addEventListener('click', resetForm);
  $('#add-tag').addEventListener('click', () => addTagRow().querySelector('input').focus());
  $('#new-token').addEventListener('click', () => {
    $('#f-ClientToken').value = randomToken();
    clearFieldError('ClientToken');
  });
  $('#f-Algorithm').addEventListener('change', showAlgorithmNote);
  $('#f-CountryCode').addEventListener('input', showCountryName);
  $('#form').addEventListener('input', (event) => {
    const field = event.target.closest('[data-field]')?.dataset.field;
    if (field) clearFieldError(field);
  });
  for (const button of $$('[data-lang]')) {
    button.addEventListener('click', () => applyLanguage(button.dataset.lang));
  }
  wireResultEvents();
  wireImportEvents();
  window.addEventListener('beforeunload', (event) => {
    if (unsavedRecords().length === 0) return;
    event.preventDefault();
    event.returnValue = '';
  });
}

// ---------------------------------------------------------------------------------------------
// Language.

function applyLanguage(lang) {
  if (lang === document.documentElement.dataset.lang) return;
  document.documentElement.dataset.lang = lang;
  state.lang = lang === 'zh' ? 'zh' : 'en';
  localStorage.setItem(LANG_KEY, state.lang);
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  for (const [node, english] of state.english) {
    node.textContent = state.lang === 'zh' ? (ZH[node.dataset.i18n] ?? english) : english;
  }
  for (const button of $$('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  }
  relabelTagRows();
  showAlgorithmNote();
  fillCountries();
  for (const node of $$('.error:not([hidden])')) renderError(node, node.apiError);
  if (state.job) showProgress(state.job.phase);
  if (state.shown) showResult(state.records.get(state.shown));
  renderList();
}

// ---------------------------------------------------------------------------------------------
// The form.

function fillCountries() {
  if (state.countries.length === 0) return;
  const names = regionNames();
  const options = state.countries.map(({ Code, Name }) =>
    el('option', { value: Code }, names?.of(Code) ?? Name));
  $('#countries').replaceChildren(...options);
  showCountryName();
}

/** Country names in the page's language, from the browser's own ICU data. */
function regionNames() {
  try {
    return new Intl.DisplayNames([state.lang === 'zh' ? 'zh-CN' : 'en'], { type: 'region' });
  } catch {
    return null;
  }
}

function showCountryName() {
  const code = $('#f-CountryCode').value.trim().toUpperCase();
  const known = state.countries.find((country) => country.Code === code);
  $('#country-name').textContent = known ? `${code}: ${regionNames()?.of(code) ?? known.Name}` : '';
}

function showAlgorithmNote() {
  const note = $('#n-Algorithm');
  const key = `note.${$('#f-Algorithm').value}`;
  note.hidden = !(key in TEXT);
  note.textContent = key in TEXT ? t(key) : '';
}

function addTagRow(key = '', value = '') {
  const row = el('div', { class: 'tag-row' },
    el('input', { class: 'tag-key', spellcheck: 'false' }),
    el('input', { class: 'tag-value', spellcheck: 'false' }),
    el('button', { type: 'button', class: 'icon' }, '×'));
  row.querySelector('.tag-key').value = key;
  row.querySelector('.tag-value').value = value;
  row.querySelector('button').addEventListener('click', () => {
    row.remove();
    relabelTagRows();
    clearFieldError('Tags');
  });
  $('#tags').append(row);
  relabelTagRows();
  return row;
}

function relabelTagRows() {
  $$('#tags .tag-row').forEach((row, index) => {
    const n = index + 1;
    const [key, value] = $$('input', row);
    key.placeholder = t('tag.key');
    value.placeholder = t('tag.value');
    key.setAttribute('aria-label', t('tag.keyLabel', { n }));
    value.setAttribute('aria-label', t('tag.valueLabel', { n }));
    const remove = $('button', row);
    remove.setAttribute('aria-label', t('tag.remove', { n }));
    remove.title = t('tag.remove', { n });
  });
}

function resetForm() {
  $('#form').reset();
  $('#tags').replaceChildren();
  clearErrors();
  showAlgorithmNote();
  showCountryName();
  $('#f-CommonName').focus();
}

/** The request exactly as typed: trimming, defaults and every check are the core's job. */
function readRequest() {
  const form = $('#form');
  const request = {};
  for (const name of FIELDS) {
    if (name !== 'Tags') request[name] = form.elements[name].value;
  }
  const tags = $$('#tags .tag-row').map((row) => ({
    Key: $('.tag-key', row).value,
    Value: $('.tag-value', row).value,
  }));
  if (tags.length > 0) request.Tags = tags;
  return request;
}

// ---------------------------------------------------------------------------------------------
// Errors beside their fields.

/** The field an API error names: `MissingYears`, `InvalidParameter.Years` -> `Years`. */
function errorField(code = '') {
  return CODE_FIELDS[code] ?? /^(?:Missing|InvalidParameter\.)(\w+)$/.exec(code)?.[1] ?? null;
}

/** Shows an error: a short verdict, the core's message and, for API errors, the code. */
function renderError(node, error) {
  if (!error) return;
  node.apiError = error;
  const code = error.code ?? '';
  const kind = code.startsWith('Missing') ? 'error.missing'
    : code.startsWith('InvalidParameter') ? 'error.invalid' : 'error.other';
  const message = error.data?.Message ?? error.message ?? String(error);
  const badge = code && el('code', {
    class: 'code-badge',
    title: error.requestId ? `RequestId ${error.requestId}` : null,
  }, code);
  node.replaceChildren(
    ...(code ? [el('strong', {}, `${t(kind)}: `)] : []),
    el('span', { class: 'message' }, message), ' ', badge || '');
  node.hidden = false;
}

/** Shows an error of the create form beside its field (or above the buttons). */
function showFieldError(error) {
  const field = errorField(error.code);
  const known = FIELDS.includes(field);
  const node = known ? $(`#e-${field}`) : $('#e-form');
  renderError(node, error);
  if (!known) return node.scrollIntoView({ block: 'nearest' });
  const box = $(`[data-field="${field}"]`);
  box.classList.add('invalid');
  const target = field === 'Tags' ? tagInputFor(error) : $(`#f-${field}`);
  target?.setAttribute('aria-invalid', 'true');
  target?.focus();
  box.scrollIntoView({ block: 'center' });
}

/** The tag input a message such as "Tags.2.Key ..." names, else the Add button. */
function tagInputFor(error) {
  const [, index, part] = /Tags\.(\d+)\.(Key|Value)/.exec(error.data?.Message ?? '') ?? [];
  const row = $$('#tags .tag-row')[Number(index) - 1];
  if (!row) return $('#add-tag');
  return $(part === 'Value' ? '.tag-value' : '.tag-key', row);
}

function clearFieldError(field) {
  const node = $(`#e-${field}`);
  if (!node || node.hidden) return;
  node.hidden = true;
  node.apiError = null;
  $(`[data-field="${field}"]`)?.classList.remove('invalid');
  for (const input of $$(`[data-field="${field}"] [aria-invalid]`)) {
    input.removeAttribute('aria-invalid');
  }
}

function clearErrors() {
  for (const field of FIELDS) clearFieldError(field);
  $('#e-form').hidden = true;
  $('#notice').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Creating a CA: check, make the key in a worker, sign on the page.

async function onSubmit(event) {
  event.preventDefault();
  if (state.job) return;
  clearErrors();
  const request = readRequest();
  try {
    await validateRootCACertificateRequest(request);
  } catch (error) {
    showFieldError(error);
    return;
  }
  const job = startJob(request.Algorithm);
  try {
    const record = await createCa(job, request);
    finishJob(job);
    showNotice(t('notice.created'));
    showResult(record);
    $('#result').scrollIntoView({ block: 'start' });
    $('#result-title').focus({ preventScroll: true });
  } catch (error) {
    if (job.cancelled) return;
    finishJob(job);
    showFieldError(error);
  }
}

async function createCa(job, request) {
  performance.mark('private-ca:keygen-start');
  const { PrivateKey } = await job.task.promise;
  performance.mark('private-ca:keygen-end');
  if (job.cancelled) throw abortError();
  showProgress('sign');
  await nextPaint();
  if (job.cancelled) throw abortError();
  performance.mark('private-ca:sign-start');
  const response = await state.ca.createRootCACertificate(request, { PrivateKey });
  performance.mark('private-ca:sign-end');
  performance.measure('private-ca:sign', 'private-ca:sign-start', 'private-ca:sign-end');
  // Let the browser breathe between the signing and the rendering of the result.
  await new Promise((resolve) => { setTimeout(resolve, 0); });
  const record = remember(response.Identifier, response.Certificate);
  record.response = response;
  await renderList();
  return record;
}

function startJob(algorithm) {
  const job = {
    task: runInWorker('generate', { Algorithm: algorithm }),
    algorithm,
    cancelled: false,
    started: performance.now(),
    phase: 'key',
    timer: 0,
  };
  state.job = job;
  setBusy(true);
  showProgress('key');
  $('#progress').scrollIntoView({ block: 'nearest' });
  job.timer = setInterval(() => showElapsed(job), 100);
  return job;
}

function finishJob(job) {
  clearInterval(job.timer);
  job.task.cancel();
  if (state.job === job) state.job = null;
  setBusy(false);
}

/** Cancel: the worker is thrown away; the account, on this page, keeps every CA. */
function onCancel(event) {
  const job = state.job;
  if (!job) return;
  performance.mark('private-ca:cancel', { startTime: event.timeStamp });
  job.cancelled = true;
  finishJob(job);
  showNotice(t('notice.cancelled'));
  $('#submit').focus();
  requestAnimationFrame(() => performance.mark('private-ca:idle'));
  renderList();
}

function setBusy(busy) {
  $('#fields').disabled = busy;
  $('#form').toggleAttribute('aria-busy', busy);
  $('#progress').hidden = !busy;
}

function showProgress(phase) {
  const job = state.job;
  if (!job) return;
  job.phase = phase;
  $('#progress').dataset.phase = phase;
  const title = phase === 'key' ? t('progress.key', { algorithm: job.algorithm || 'RSA_2048' })
    : t('progress.sign');
  $('#progress-title').textContent = title;
  $('#progress-hint').textContent = t(phase === 'key' ? 'progress.keyHint' : 'progress.signHint');
  $('#cancel').disabled = phase !== 'key';
  showElapsed(job);
}

function showElapsed(job) {
  const seconds = (performance.now() - job.started) / 1000;
  $('#progress-time').textContent = `${seconds.toFixed(1)} s`;
}

function showNotice(text) {
  const notice = $('#notice');
  notice.textContent = text;
  notice.hidden = false;
}

const nextPaint = () => new Promise((resolve) => {
  requestAnimationFrame(() => setTimeout(resolve, 0));
});

const abortError = () => new DOMException('Cancelled', 'AbortError');

/** Starts one job in a fresh module worker (this very file). `cancel()` terminates it. */
function runInWorker(op, args) {
  const worker = new Worker(import.meta.url, { type: 'module', name: `private-ca ${op}` });
  let rejectTask = null;
  const promise = new Promise((resolve, reject) => {
    rejectTask = reject;
    worker.addEventListener('message', ({ data }) => {
      worker.terminate();
      if (data.ok) resolve(data.result);
      else reject(Object.assign(new Error(data.error.message), data.error));
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(event.message || 'The Web Worker failed to start.'));
    });
  });
  worker.postMessage({ op, module: state.module, args });
  const cancel = () => {
    worker.terminate();
    rejectTask(abortError());
  };
  promise.catch(() => {});
  return { promise, cancel };
}

// ---------------------------------------------------------------------------------------------
// CAs of this session.

function remember(identifier, certificate, imported = false) {
  let record = state.records.get(identifier);
  if (!record) {
    record = {
      Identifier: identifier,
      Certificate: certificate,
      info: decodeCertificate(pemToDer(certificate)),
      certSaved: imported,
      keySaved: imported,
      imported,
    };
    state.records.set(identifier, record);
  }
  return record;
}

const unsavedRecords = () =>
  [...state.records.values()].filter((record) => !(record.certSaved && record.keySaved));

/** Renders the list from the account itself, so it shows what the account really holds. */
async function renderList() {
  if (!state.ca) return;
  const summaries = await state.ca.listCACertificates();
  summaries.sort((a, b) => a.CreatedAt - b.CreatedAt);
  const rows = summaries.map((summary) => {
    const record = remember(summary.Identifier, summary.Certificate);
    return listRow(record, summary);
  });
  $('#ca-list tbody').replaceChildren(...rows);
  $('#ca-list').hidden = rows.length === 0;
  $('#list-empty').hidden = rows.length > 0;
  for (const id of state.records.keys()) {
    if (!summaries.some((summary) => summary.Identifier === id)) state.records.delete(id);
  }
}

function listRow(record, summary) {
  const headers = $$('#ca-list thead th').map((th) => th.textContent.trim());
  const cell = (index, ...content) => el('td', { 'data-label': headers[index] }, ...content);
  const nowrap = (index, ...content) => {
    const td = cell(index, ...content);
    td.classList.add('nowrap');
    return td;
  };
  const saved = record.imported ? t('saved.imported')
    : record.certSaved && record.keySaved ? t('saved.yes') : t('saved.no');
  const button = (label, handler, extra = {}) => {
    const node = el('button', { type: 'button', class: 'link', ...extra }, label);
    node.addEventListener('click', handler);
    return node;
  };
  return el('tr', { 'data-identifier': record.Identifier },
    cell(0, el('div', { class: 'ca-name' },
      el('span', {}, record.info.commonName),
      el('code', { class: 'identifier' }, record.Identifier))),
    nowrap(1, summary.Algorithm),
    cell(2, formatDateTime(summary.CreatedAt)),
    nowrap(3, el('span', { class: `badge ${saved === t('saved.no') ? 'badge-warn' : 'badge-ok'}` },
      saved)),
    el('td', { class: 'row-actions' },
      button(t('list.show'), () => showResult(record, true)),
      button(t('list.download'), () => openBundleDialog(record)),
      button(t('list.remove'), () => removeRecord(record), { class: 'link danger-link' })));
}

async function removeRecord(record) {
  if (!window.confirm(t('list.confirmRemove', { name: record.info.commonName }))) return;
  await state.ca.removeCACertificate({ Identifier: record.Identifier });
  state.records.delete(record.Identifier);
  if (state.shown === record.Identifier) {
    state.shown = null;
    $('#result').hidden = true;
  }
  await renderList();
}

/** Local time as `2026-12-03 16:50:02`: short, sortable, and the same in both languages. */
function formatDateTime(ms) {
  const date = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

// ---------------------------------------------------------------------------------------------
// The result panel.

function wireResultEvents() {
  $('#copy-pem').addEventListener('click', (event) => {
    const record = shownRecord();
    copyText(record.Certificate, event.currentTarget);
    markSaved(record, 'cert');
  });
  $('#download-pem').addEventListener('click', () => {
    const record = shownRecord();
    downloadText(`${fileStem(record)}.cert.pem`, `${record.Certificate}\n`);
    markSaved(record, 'cert');
  });
  $('#download-ca').addEventListener('click', () => openBundleDialog(shownRecord()));
  $('#export-key').addEventListener('click', openExportDialog);
  $('#copy-key').addEventListener('click', (event) => {
    copyText($('#r-key').textContent, event.currentTarget);
    markSaved(shownRecord(), 'key');
  });
  $('#download-key').addEventListener('click', () => {
    const record = shownRecord();
    downloadText(`${fileStem(record)}.key.pem`, `${$('#r-key').textContent}\n`);
    markSaved(record, 'key');
  });
  $('#hide-key').addEventListener('click', hideKey);
  $('#export-form').addEventListener('submit', onExportSubmit);
  $('#bundle-form').addEventListener('submit', onBundleSubmit);
  $('#export-form').addEventListener('change', () => {
    $('#export-passphrases').hidden = $('#export-form').elements.protection.value === 'plain';
  });
}

const shownRecord = () => state.records.get(state.shown);

async function showResult(record, scroll = false) {
  if (!record) return;
  if (state.shown !== record.Identifier) hideKey();
  state.shown = record.Identifier;
  $('#result').hidden = false;
  $('#r-identifier').textContent = record.Identifier;
  $('#r-pem').textContent = record.Certificate;
  const { Identifier, Certificate } = record;
  const json = record.response ?? { Identifier, Certificate };
  $('#r-json').textContent = JSON.stringify(json, null, 2);
  $('#decoded').replaceChildren(...decodedView(record.info));
  if (scroll) $('#result').scrollIntoView({ block: 'start' });
  const prints = await fingerprints(record);
  if (state.shown !== record.Identifier) return;
  $('#d-sha256').replaceChildren(breakableHex(prints.sha256));
  $('#d-md5').replaceChildren(breakableHex(prints.md5));
}

function decodedView(info) {
  const row = (key, value, id) => [
    el('dt', {}, t(key)),
    el('dd', { id, 'data-k': id?.slice(2) }, ...[value].flat()),
  ];
  const sameName = info.issuerDer === info.subjectDer;
  return [
    ...row('d.subject', nameList(info.subject), 'd-subject'),
    ...row('d.issuer', sameName ? t('d.selfSigned') : nameList(info.issuer), 'd-issuer'),
    ...row('d.serial', breakableHex(info.serialHex), 'd-serial'),
    ...row('d.version', `v${info.version}`, 'd-version'),
    ...row('d.validity', validityText(info), 'd-validity'),
    ...row('d.key', info.publicKey.text, 'd-key'),
    ...row('d.signature', `${info.signature.name} (${info.signature.oid})`, 'd-signature'),
    ...row('d.sha256', el('code', {}, '…'), 'd-sha256'),
    ...row('d.md5', el('code', {}, '…'), 'd-md5'),
    ...row('d.extensions', el('ul', { class: 'extensions' }, ...info.extensions.map(extensionItem)),
      'd-extensions'),
  ];
}

function nameList(attributes) {
  return el('ul', { class: 'name' }, ...attributes.map(({ short, value }) =>
    el('li', {}, el('span', { class: 'attr' }, `${short}=`), value)));
}

function validityText(info) {
  const utc = (date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return t('d.years', { from: utc(info.notBefore), to: utc(info.notAfter) });
}

function extensionItem(extension) {
  return el('li', {},
    el('strong', {}, extension.name), ' ',
    el('span', { class: 'muted' }, `(${extension.oid})`),
    extension.critical ? el('span', { class: 'badge badge-crit' }, t('d.critical')) : null,
    el('div', { class: 'ext-value' }, breakableHex(extension.value, 'span')));
}

async function fingerprints(record) {
  if (!record.prints) {
    const der = pemToDer(record.Certificate);
    // WebCrypto exists only in secure contexts (HTTPS, localhost, 127.0.0.1).
    const sha256 = crypto.subtle
      ? colonHex(new Uint8Array(await crypto.subtle.digest('SHA-256', der)))
      : t('d.noSubtle');
    record.prints = { sha256, md5: colonHex(md5(der)) };
  }
  return record.prints;
}

function markSaved(record, what) {
  if (!record) return;
  if (what === 'cert' || what === 'both') record.certSaved = true;
  if (what === 'key' || what === 'both') record.keySaved = true;
  renderList();
}

function hideKey() {
  $('#r-key').textContent = '';
  $('#key-out').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Exporting the key, and downloading a CA as certificate plus encrypted key.

function openExportDialog() {
  const form = $('#export-form');
  form.reset();
  $('#export-passphrases').hidden = false;
  $('#x-error').hidden = true;
  $('#export-dialog').showModal();
}

async function onExportSubmit(event) {
  event.preventDefault();
  if (event.submitter?.value === 'cancel') return $('#export-dialog').close();
  const plain = $('#export-form').elements.protection.value === 'plain';
  const passphrase = $('#x-Passphrase').value;
  if (!plain && passphrase !== $('#x-Repeat').value) {
    return renderError($('#x-error'), { message: t('passphrase.mismatch') });
  }
  const record = shownRecord();
  try {
    await dialogWork($('#export-dialog'), async () => {
      const pem = plain
        ? (await state.ca.exportCAPrivateKey({ Identifier: record.Identifier, Plain: true }))
          .PrivateKey
        : await encryptedKey(record, passphrase);
      $('#r-key').textContent = pem;
      $('#key-label').textContent = t(plain ? 'key.plain' : 'key.encrypted');
      $('#key-out').hidden = false;
    });
  } catch (error) {
    renderError($('#x-error'), error);
  }
}

function openBundleDialog(record) {
  if (!record) return;
  state.bundleFor = record.Identifier;
  $('#bundle-form').reset();
  $('#b-error').hidden = true;
  $('#bundle-dialog').showModal();
}

async function onBundleSubmit(event) {
  event.preventDefault();
  if (event.submitter?.value === 'cancel') return $('#bundle-dialog').close();
  const passphrase = $('#b-Passphrase').value;
  if (passphrase !== $('#b-Repeat').value) {
    return renderError($('#b-error'), { message: t('passphrase.mismatch') });
  }
  const record = state.records.get(state.bundleFor);
  try {
    await dialogWork($('#bundle-dialog'), async () => {
      const key = await encryptedKey(record, passphrase);
      downloadText(`${fileStem(record)}.ca.pem`, `${record.Certificate}\n${key}\n`);
      markSaved(record, 'both');
    });
  } catch (error) {
    renderError($('#b-error'), error);
  }
}

/** Runs a dialog's work with its buttons disabled, and closes it when the work succeeds. */
async function dialogWork(dialog, work) {
  const buttons = $$('button', dialog);
  const confirm = buttons[0];
  const label = confirm.textContent;
  buttons.forEach((button) => { button.disabled = true; });
  confirm.textContent = t('working.encrypt');
  try {
    await work();
    dialog.close();
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
    confirm.textContent = label;
  }
}

/**
 * The CA's key encrypted with `passphrase`. scrypt takes a few hundred milliseconds, so it runs
 * in a worker: the page exports the key in plain (fast) and a throwaway account in the worker
 * encrypts it with the core's own ExportCAPrivateKey, which also applies the passphrase rules.
 */
async function encryptedKey(record, passphrase) {
  const { PrivateKey } = await state.ca.exportCAPrivateKey({
    Identifier: record.Identifier,
    Plain: true,
  });
  const args = { Certificate: record.Certificate, PrivateKey, Passphrase: passphrase };
  return (await runInWorker('encrypt', args).promise).PrivateKey;
}

// ---------------------------------------------------------------------------------------------
// Importing a CA.

function wireImportEvents() {
  $('#i-files').addEventListener('change', onImportFiles);
  $('#import-form').addEventListener('submit', onImportSubmit);
  $('#import-form').addEventListener('input', (event) => {
    const field = event.target.closest('[data-field]')?.dataset.field;
    if (field) $(`#ie-${field}`).hidden = true;
  });
}

/** Sorts the PEM blocks of the chosen files into the certificate and key boxes. */
async function onImportFiles(event) {
  $('#ie-form').hidden = true;
  for (const file of event.target.files) {
    const text = await file.text();
    const certificate = pemBlocks(text, 'CERTIFICATE')[0];
    const key = pemBlocks(text, '(?:ENCRYPTED )?PRIVATE KEY')[0];
    if (certificate) $('#i-Certificate').value = certificate;
    if (key) $('#i-PrivateKey').value = key;
    if (!certificate && !key) {
      renderError($('#ie-form'), { message: t('import.noPem', { name: file.name }) });
    }
  }
}

function pemBlocks(text, label) {
  const pattern = new RegExp(`-----BEGIN (${label})-----[\\s\\S]*?-----END \\1-----`, 'g');
  return text.match(pattern) ?? [];
}

async function onImportSubmit(event) {
  event.preventDefault();
  for (const node of $$('#import-form .error')) node.hidden = true;
  const status = $('#import-status');
  status.textContent = t('working.import');
  $('#import-submit').disabled = true;
  try {
    const identifier = await importCa($('#i-Certificate').value, $('#i-PrivateKey').value,
      $('#i-Passphrase').value);
    $('#import-form').reset();
    status.textContent = t('import.done', { id: identifier });
    showResult(state.records.get(identifier));
  } catch (error) {
    status.textContent = '';
    const field = errorField(error.code);
    renderError($(`#ie-${field}`) ?? $('#ie-form'), error);
  } finally {
    $('#import-submit').disabled = false;
  }
}

/** An encrypted key is decrypted in a worker (scrypt), then the page imports it in plain. */
async function importCa(certificate, key, passphrase) {
  let plainKey = key;
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key)) {
    const args = { Certificate: certificate, PrivateKey: key, Passphrase: passphrase };
    plainKey = (await runInWorker('decrypt', args).promise).PrivateKey;
  }
  const request = { Certificate: certificate, PrivateKey: plainKey };
  if (plainKey === key && passphrase !== '') request.Passphrase = passphrase;
  const { Identifier } = await state.ca.importCACertificate(request);
  remember(Identifier, certificate.trim(), true);
  await renderList();
  return Identifier;
}

// ---------------------------------------------------------------------------------------------
// Small helpers: files, the clipboard, PEM.

function downloadText(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el('textarea', { class: 'visually-hidden' });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  const label = button.textContent;
  button.textContent = t('copied');
  setTimeout(() => { button.textContent = label; }, 1500);
}

function fileStem(record) {
  const name = record.info.commonName.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '');
  return `${name || 'ca'}-${record.Identifier.slice(0, 8)}`;
}

function pemToDer(pem) {
  const base64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/** Text with a line-break opportunity after each colon, so hex wraps between octets. */
function breakableHex(text, tag = 'code') {
  const parts = text.split(':');
  return el(tag, {}, ...parts.flatMap((part, i) =>
    (i < parts.length - 1 ? [`${part}:`, document.createElement('wbr')] : [part])));
}

/** A ClientToken suggestion: a random UUID, also where `crypto.randomUUID` is missing. */
function randomToken() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = plainHex(bytes).toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`
    + hex.slice(20);
}

const colonHex = (bytes) =>
  [...bytes].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');

const plainHex = (bytes) =>
  [...bytes].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join('');

// ---------------------------------------------------------------------------------------------
// A small DER reader, enough to show an X.509 certificate (RFC 5280 §4.1). It reads lengths up
// to four octets and low tag numbers, which covers every certificate this crate issues.

const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, OID: 0x06,
  UTF8: 0x0c, PRINTABLE: 0x13, T61: 0x14, IA5: 0x16, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18,
  BMP: 0x1e, SEQUENCE: 0x30, EXPLICIT_0: 0xa0, EXPLICIT_3: 0xa3, IMPLICIT_0: 0x80,
};

/** Reads the element at `offset`: `{ tag, content, raw, end }` (content and raw are views). */
function derRead(bytes, offset = 0) {
  let pos = offset;
  const need = (count) => {
    if (pos + count > bytes.length) throw new Error('DER: truncated');
  };
  need(2);
  const tag = bytes[pos++];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: high tag numbers are not supported');
  let length = bytes[pos++];
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length');
    need(count);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++];
  }
  need(length);
  const end = pos + length;
  return { tag, content: bytes.subarray(pos, end), raw: bytes.subarray(offset, end), end };
}

function derChildren(element) {
  const children = [];
  for (let pos = 0; pos < element.content.length; pos = children.at(-1).end) {
    children.push(derRead(element.content, pos));
  }
  return children;
}

function derExpect(element, tag) {
  if (element?.tag !== tag) throw new Error(`DER: expected tag 0x${tag.toString(16)}`);
  return element;
}

function derOid(element) {
  const arcs = [];
  let value = 0;
  for (const byte of derExpect(element, TAG.OID).content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = Math.min(Math.floor(arcs[0] / 40), 2);
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/** An INTEGER's magnitude without the sign octet (our certificates hold positive ones). */
function derUnsigned(element) {
  const content = derExpect(element, TAG.INTEGER).content;
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

function derText(element) {
  const { tag, content } = element;
  if (tag === TAG.UTF8) return new TextDecoder().decode(content);
  if (tag === TAG.BMP) return new TextDecoder('utf-16be').decode(content);
  if ([TAG.PRINTABLE, TAG.IA5, TAG.T61].includes(tag)) return String.fromCharCode(...content);
  return plainHex(content);
}

function derTime(element) {
  const text = String.fromCharCode(...element.content);
  const utc = element.tag === TAG.UTC_TIME;
  const pattern = utc ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/
    : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/;
  const match = pattern.exec(text);
  if (!match) throw new Error(`DER: unsupported time ${text}`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const fullYear = utc ? (year < 50 ? 2000 + year : 1900 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second));
}

// ---------------------------------------------------------------------------------------------
// X.509: the fields the result panel shows.

const NAME_ATTRIBUTES = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O',
  '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '1.2.840.113549.1.9.1': 'emailAddress',
};

const SIGNATURES = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.156.10197.1.501': 'SM2-with-SM3',
};

const CURVES = {
  '1.2.840.10045.3.1.7': ['P-256 (prime256v1)', 256],
  '1.3.132.0.34': ['P-384 (secp384r1)', 384],
  '1.3.132.0.35': ['P-521 (secp521r1)', 521],
  '1.2.156.10197.1.301': ['SM2 (sm2p256v1)', 256],
};

const KEY_USAGES = [
  'Digital Signature', 'Non Repudiation', 'Key Encipherment', 'Data Encipherment',
  'Key Agreement', 'Certificate Sign', 'CRL Sign', 'Encipher Only', 'Decipher Only',
];

const EXTENSIONS = {
  '2.5.29.19': ['Basic Constraints', basicConstraintsText],
  '2.5.29.15': ['Key Usage', keyUsageText],
  '2.5.29.14': ['Subject Key Identifier', (der) => colonHex(derRead(der).content)],
  '2.5.29.35': ['Authority Key Identifier', authorityKeyIdText],
  '2.5.29.37': ['Extended Key Usage', (der) => derChildren(derRead(der)).map(derOid).join(', ')],
};

function decodeCertificate(der) {
  const [tbs, signatureAlgorithm] = derChildren(derExpect(derRead(der), TAG.SEQUENCE));
  let fields = derChildren(derExpect(tbs, TAG.SEQUENCE));
  let version = 1;
  if (fields[0].tag === TAG.EXPLICIT_0) {
    version = derUnsigned(derChildren(fields[0])[0])[0] + 1;
    fields = fields.slice(1);
  }
  const [serial, , issuer, validity, subject, spki, ...rest] = fields;
  const [notBefore, notAfter] = derChildren(validity).map(derTime);
  const subjectNames = readName(subject);
  const signatureOid = derOid(derChildren(signatureAlgorithm)[0]);
  return {
    version,
    serialHex: plainHex(derUnsigned(serial)),
    issuer: readName(issuer),
    issuerDer: plainHex(issuer.raw),
    subject: subjectNames,
    subjectDer: plainHex(subject.raw),
    commonName: subjectNames.find((name) => name.short === 'CN')?.value ?? '',
    notBefore,
    notAfter,
    publicKey: readPublicKey(spki),
    signature: { oid: signatureOid, name: SIGNATURES[signatureOid] ?? signatureOid },
    extensions: readExtensions(rest.find((element) => element.tag === TAG.EXPLICIT_3)),
  };
}

function readName(name) {
  return derChildren(name).flatMap((set) => derChildren(set).map((pair) => {
    const [type, value] = derChildren(pair);
    const oid = derOid(type);
    return { oid, short: NAME_ATTRIBUTES[oid] ?? oid, value: derText(value) };
  }));
}

function readPublicKey(spki) {
  const [algorithm, bits] = derChildren(spki);
  const [oidElement, parameters] = derChildren(algorithm);
  const oid = derOid(oidElement);
  if (oid === '1.2.840.113549.1.1.1') {
    const [modulus, exponent] = derChildren(derRead(bits.content.subarray(1)));
    const n = derUnsigned(modulus);
    const size = (n.length - 1) * 8 + n[0].toString(2).length;
    const e = BigInt(`0x${plainHex(derUnsigned(exponent))}`);
    return { kind: 'RSA', bits: size, text: `RSA, ${size} bits (e = ${e})` };
  }
  if (oid === '1.2.840.10045.2.1') {
    const curve = derOid(parameters);
    const [curveName, size] = CURVES[curve] ?? [curve, 0];
    return { kind: 'EC', bits: size, text: `EC ${curveName}, ${size} bits` };
  }
  return { kind: oid, bits: 0, text: oid };
}

function readExtensions(wrapper) {
  if (!wrapper) return [];
  return derChildren(derChildren(wrapper)[0]).map((extension) => {
    const parts = derChildren(extension);
    const oid = derOid(parts[0]);
    const critical = parts.length === 3 && parts[1].content[0] !== 0;
    const value = derExpect(parts.at(-1), TAG.OCTET_STRING).content;
    const [name, describe] = EXTENSIONS[oid] ?? [oid, (der) => colonHex(der)];
    return { oid, name, critical, value: describe(value) };
  });
}

function basicConstraintsText(der) {
  const parts = derChildren(derRead(der));
  const ca = parts[0]?.tag === TAG.BOOLEAN && parts[0].content[0] !== 0;
  const path = parts.find((part) => part.tag === TAG.INTEGER);
  const length = path ? `path length ${Number(`0x${plainHex(derUnsigned(path)) || '0'}`)}`
    : 'no path length limit';
  return `CA: ${ca ? 'TRUE' : 'FALSE'}, ${length}`;
}

function keyUsageText(der) {
  const bits = derExpect(derRead(der), TAG.BIT_STRING).content.subarray(1);
  return KEY_USAGES.filter((_, i) => (bits[i >> 3] >> (7 - (i & 7))) & 1).join(', ');
}

function authorityKeyIdText(der) {
  const keyId = derChildren(derRead(der)).find((part) => part.tag === TAG.IMPLICIT_0);
  return keyId ? `keyid ${colonHex(keyId.content)}` : '';
}

// ---------------------------------------------------------------------------------------------
// MD5 (RFC 1321), only to display the certificate's MD5 fingerprint, which consoles still show
// and WebCrypto does not offer. MD5 is broken: never use it for anything that must be secure.

const MD5_SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32));

function md5(bytes) {
  const blocks = Math.floor((bytes.length + 8) / 64) + 1;
  const message = new Uint8Array(blocks * 64);
  message.set(bytes);
  message[bytes.length] = 0x80;
  const view = new DataView(message.buffer);
  view.setUint32(message.length - 8, (bytes.length * 8) >>> 0, true);
  view.setUint32(message.length - 4, Math.floor(bytes.length / 2 ** 29), true);
  const hash = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let offset = 0; offset < message.length; offset += 64) {
    let [a, b, c, d] = hash;
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      const [f, g] = [
        [(b & c) | (~b & d), i],
        [(d & b) | (~d & c), (5 * i + 1) & 15],
        [b ^ c ^ d, (3 * i + 5) & 15],
        [c ^ (b | ~d), (7 * i) & 15],
      ][round];
      const sum = (a + f + MD5_K[i] + view.getUint32(offset + g * 4, true)) | 0;
      const shift = MD5_SHIFTS[round * 4 + (i & 3)];
      [a, d, c] = [d, c, b];
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    [a, b, c, d].forEach((word, i) => { hash[i] = (hash[i] + word) | 0; });
  }
  const out = new DataView(new ArrayBuffer(16));
  hash.forEach((word, i) => out.setUint32(i * 4, word, true));
  return new Uint8Array(out.buffer);
}

// ---------------------------------------------------------------------------------------------
// Start: as the key worker, or as the page.

if (IN_WORKER) {
  serveWorkerJobs();
} else if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => boot(), { once: true });
} else {
  boot();
}
