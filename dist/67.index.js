export const id = 67;
export const ids = [67];
export const modules = {

/***/ 76067:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ghesMessage: () => (/* binding */ ghesMessage),
/* harmony export */   isGhes: () => (/* binding */ isGhes),
/* harmony export */   runtimePresent: () => (/* binding */ runtimePresent),
/* harmony export */   uploadSnapshots: () => (/* binding */ uploadSnapshots)
/* harmony export */ });
/* unused harmony exports UploadError, listRunArtifacts, downloadRunArtifact */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _util_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(54527);
/**
 * Uploads the snapshots of this run as a workflow artifact.
 *
 * This is the only importer of `@actions/artifact`, and it imports it dynamically: the library
 * is ESM-only and heavy (Azure SDK, Octokit, protobuf), so a run that does not upload never
 * loads it, and ncc puts it in a chunk of its own.
 *
 * The library reads its configuration from `process.env` itself (ACTIONS_RUNTIME_TOKEN,
 * ACTIONS_RESULTS_URL, GITHUB_SERVER_URL, GITHUB_RETENTION_DAYS); `UploadRequest.env` serves
 * only to check the runtime, build the artifact URL and name the job in errors, so it must
 * agree with `process.env` on the runtime variables (checked below).
 */


/** Every failure of the upload phase; the message is meant for the user as is. */
class UploadError extends Error {
    name = 'UploadError';
}
const RUNTIME_VARS = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'];
/** True when the Actions runtime that artifact uploads need is present (as on a runner). */
function runtimePresent(env) {
    return RUNTIME_VARS.every((key) => Boolean(env[key]));
}
/**
 * True on GitHub Enterprise Server, where @actions/artifact (v2 and later) refuses to run: the
 * same test as the library's, so the two never disagree. github.com, GHE.com (`*.ghe.com`) and
 * `*.localhost` are not GHES; an unset GITHUB_SERVER_URL means github.com.
 */
function isGhes(env) {
    let host;
    try {
        host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase();
    }
    catch {
        // Not a URL: not GHES's to decide; the library's own error says what is wrong.
        return false;
    }
    return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost');
}
/**
 * Why there is no upload on GHES, and the way out: actions/upload-artifact@v3 is the line that
 * still speaks GHES's artifact service.
 */
function ghesMessage(env, snapshotsDir) {
    return (`The snapshots were not uploaded: this runner belongs to GitHub Enterprise Server ` +
        `(GITHUB_SERVER_URL is ${env.GITHUB_SERVER_URL}), where @actions/artifact does not work. ` +
        `Upload them with a step after this one: \`uses: actions/upload-artifact@v3\` with ` +
        `\`path: ${snapshotsDir}\`, and set \`upload: false\` here.`);
}
/**
 * Uploads `req.files` as one zip artifact and returns its id, its URL in the run's page and the
 * zip's digest. Throws `UploadError` for every failure; a name already used in this run gets a
 * message with both ways out.
 */
async function uploadSnapshots(req) {
    checkRequest(req);
    const { files, skipped } = await regularFiles(req.files);
    if (files.length === 0) {
        const vanished = skipped.length > 0 ? `; these listed files vanished: ${skipped.join(', ')}` : '';
        throw new UploadError(`artifact "${req.name}": no regular files to upload under ${req.rootDirectory}${vanished}`);
    }
    let mod;
    try {
        mod = await __webpack_require__.e(/* import() */ 44).then(__webpack_require__.bind(__webpack_require__, 19044));
    }
    catch (err) {
        throw new UploadError(`could not load @actions/artifact: ${(0,_util_js__WEBPACK_IMPORTED_MODULE_1__/* .messageOf */ .bD)(err)}`);
    }
    const client = new mod.DefaultArtifactClient();
    if (req.overwrite) {
        try {
            await client.deleteArtifact(req.name);
        }
        catch (err) {
            // Nothing to replace is the common case of a first run, not a failure.
            if (!(err instanceof mod.ArtifactNotFoundError)) {
                throw new UploadError(`overwrite: could not delete the earlier artifact "${req.name}": ${(0,_util_js__WEBPACK_IMPORTED_MODULE_1__/* .messageOf */ .bD)(err)}`);
            }
        }
    }
    let id;
    let digest;
    try {
        const res = await client.uploadArtifact(req.name, files, req.rootDirectory, {
            retentionDays: req.retentionDays,
            compressionLevel: req.compressionLevel,
        });
        id = res.id;
        digest = res.digest;
    }
    catch (err) {
        throw translate(err, req);
    }
    if (id === undefined || digest === undefined) {
        throw new UploadError(`artifact "${req.name}": the upload returned no ${id === undefined ? 'id' : 'digest'}`);
    }
    return { id: String(id), url: artifactUrl(req.env, id), digest, skipped };
}
function checkRequest(req) {
    if (!runtimePresent(req.env)) {
        throw new UploadError('upload needs the GitHub Actions runtime, but ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL ' +
            'is unset: run this step on a GitHub runner, or set `upload: false`');
    }
    for (const key of RUNTIME_VARS) {
        if (req.env[key] !== process.env[key]) {
            // The library reads process.env; a differing req.env would upload somewhere else than
            // the URL we report points to.
            throw new UploadError(`${key} in the upload request differs from process.env`);
        }
    }
    for (const key of ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID']) {
        if (!req.env[key]) {
            throw new UploadError(`upload needs ${key} to build the artifact URL, but it is unset`);
        }
    }
}
/**
 * Keeps regular files only, in the given order. The library turns a directory into a zero-byte
 * entry and follows a symlink to wherever it points; neither belongs in a snapshots artifact,
 * and both are dropped silently. A path that no longer exists (ENOENT, or ENOTDIR when a folder
 * on the way was replaced) is dropped too but reported in `skipped`: the snapshots of the
 * others are still worth uploading. Any other error (say EACCES) fails the upload.
 */
async function regularFiles(paths) {
    const files = [];
    const skipped = [];
    for (const path of paths) {
        let isFile;
        try {
            isFile = (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.lstat)(path)).isFile();
        }
        catch (err) {
            const code = err.code;
            if (code === 'ENOENT' || code === 'ENOTDIR') {
                skipped.push(path);
                continue;
            }
            throw new UploadError(`file to upload cannot be read: ${path} (${(0,_util_js__WEBPACK_IMPORTED_MODULE_1__/* .messageOf */ .bD)(err)})`);
        }
        if (isFile)
            files.push(path);
    }
    return { files, skipped };
}
/**
 * The service reports a name clash only through the HTTP status in the client's error text:
 * "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: …".
 */
function translate(err, req) {
    const message = (0,_util_js__WEBPACK_IMPORTED_MODULE_1__/* .messageOf */ .bD)(err);
    if (/\(409\)/.test(message)) {
        const job = req.env.GITHUB_JOB ? `job "${req.env.GITHUB_JOB}"` : 'this job';
        return new UploadError(`artifact-name "${req.name}" is already used by an artifact of this run, so ${job} ` +
            'cannot upload it. Either give each job its own name, e.g. ' +
            `\`artifact-name: ${req.name}-\${{ github.job }}\`, or set \`overwrite: true\` to ` +
            `replace the earlier artifact. (${message})`);
    }
    return new UploadError(`artifact "${req.name}" upload failed: ${message}`);
}
function artifactUrl(env, id) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${id}`;
}
/**
 * Every finalized artifact of this workflow run (the newest of each name), through the results
 * service: no token needed, the runtime's is enough. Throws UploadError with the service's
 * message.
 */
async function listRunArtifacts(env) {
    const { client } = await artifactClient(env, 'list the artifacts of this run');
    try {
        const { artifacts } = await client.listArtifacts({ latest: true });
        return artifacts.map((a) => ({ id: a.id, name: a.name, digest: a.digest }));
    }
    catch (err) {
        throw new UploadError(`could not list the artifacts of this run: ${messageOf(err)}`);
    }
}
/**
 * Downloads and unzips one artifact of this run into `directory` (created when missing). A
 * zip whose sha256 differs from the listed digest is an error: a shard must arrive whole.
 */
async function downloadRunArtifact(artifact, directory, env) {
    const { client } = await artifactClient(env, `download the artifact "${artifact.name}"`);
    let mismatch = false;
    try {
        const res = await client.downloadArtifact(artifact.id, {
            path: directory,
            expectedHash: artifact.digest,
        });
        mismatch = res.digestMismatch === true;
    }
    catch (err) {
        throw new UploadError(`could not download the artifact "${artifact.name}": ${messageOf(err)}`);
    }
    if (mismatch) {
        throw new UploadError(`the artifact "${artifact.name}" arrived with a sha256 other than its digest ${artifact.digest}: download it again (re-run the job)`);
    }
}
async function artifactClient(env, what) {
    if (!runtimePresent(env)) {
        throw new UploadError(`cannot ${what}: the GitHub Actions runtime is not available (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset). Run this step in a job of the same workflow run as the shards.`);
    }
    try {
        const mod = await __webpack_require__.e(/* import() */ 44).then(__webpack_require__.bind(__webpack_require__, 19044));
        return { client: new mod.DefaultArtifactClient() };
    }
    catch (err) {
        throw new UploadError(`could not load @actions/artifact: ${messageOf(err)}`);
    }
}


/***/ })

};

//# sourceMappingURL=67.index.js.map