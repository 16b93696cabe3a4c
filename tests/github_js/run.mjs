// octokit.js, unchanged, driving one workflow against a GitHub API at
// GITHUB_API_URL with GITHUB_TOKEN; prints what it saw as one JSON object.
import { Octokit } from "@octokit/rest";

const octokit = new Octokit({
  baseUrl: process.env.GITHUB_API_URL,
  auth: process.env.GITHUB_TOKEN,
  userAgent: "verified-fakes-octokit-test",
});
const name = process.env.GITHUB_REPO_NAME ?? "octokit-demo";
const summary = {};

const { data: me } = await octokit.rest.users.getAuthenticated();
const owner = me.login;
const { data: repo } = await octokit.rest.repos.createForAuthenticatedUser({ name, auto_init: true });
summary.repo = { full_name: repo.full_name, default_branch: repo.default_branch };

const { data: base } = await octokit.rest.git.getRef({ owner, repo: name, ref: "heads/main" });
await octokit.rest.git.createRef({ owner, repo: name, ref: "refs/heads/feature", sha: base.object.sha });
summary.branchFrom = base.object.sha;

for (const n of [1, 2, 3, 4, 5]) {
  await octokit.rest.repos.createOrUpdateFileContents({
    owner, repo: name, branch: "feature", path: `notes/${n}.txt`,
    message: `add note ${n}`, content: Buffer.from(`note ${n}\n`).toString("base64"),
  });
}
const { data: file } = await octokit.rest.repos.getContent({ owner, repo: name, path: "notes/3.txt", ref: "feature" });
summary.file = { path: file.path, content: Buffer.from(file.content, "base64").toString() };

const { data: pull } = await octokit.rest.pulls.create({
  owner, repo: name, title: "Add notes", head: "feature", base: "main", body: "five notes",
});
summary.pull = { number: pull.number, state: pull.state, head: pull.head.ref };

// Pagination follows the Link header: two per page over six commits.
const commits = await octokit.paginate(octokit.rest.repos.listCommits, {
  owner, repo: name, sha: "feature", per_page: 2,
});
summary.commits = commits.map((c) => c.commit.message);
let pages = 0;
for await (const _ of octokit.paginate.iterator(octokit.rest.repos.listCommits,
  { owner, repo: name, sha: "feature", per_page: 2 })) pages += 1;
summary.pages = pages;

// A conditional request: the ETag of the last answer; a match is 304 (a RequestError).
const fresh = await octokit.rest.repos.get({ owner, repo: name });
summary.etag = typeof fresh.headers.etag === "string";
try {
  await octokit.rest.repos.get({ owner, repo: name, headers: { "if-none-match": fresh.headers.etag } });
  summary.conditional = 200;
} catch (error) {
  summary.conditional = error.status;
}

const { data: merged } = await octokit.rest.pulls.merge({
  owner, repo: name, pull_number: pull.number, merge_method: "squash",
});
summary.merge = { merged: merged.merged, sha: merged.sha };

try {
  await octokit.rest.pulls.merge({ owner, repo: name, pull_number: pull.number });
} catch (error) {
  summary.mergeAgain = { status: error.status, message: error.response.data.message };
}
try {
  await octokit.rest.repos.getContent({ owner, repo: name, path: "missing.txt" });
} catch (error) {
  summary.missing = { status: error.status, message: error.response.data.message };
}
const { data: after } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: pull.number });
summary.after = { state: after.state, merged: after.merged };
// Pull requests are issues; a rename leaves a redirect that octokit follows.
await octokit.rest.issues.create({ owner, repo: name, title: "Follow-up", labels: ["later"] });
await octokit.rest.repos.update({ owner, repo: name, name: `${name}-renamed` });
const { data: moved } = await octokit.rest.repos.get({ owner, repo: name });
summary.renamed = moved.full_name;
const issues = await octokit.paginate(octokit.rest.issues.listForRepo,
  { owner, repo: name, state: "all", per_page: 1 });
summary.issues = issues.map((i) => [i.number, Boolean(i.pull_request), i.labels.map((l) => l.name)]);
summary.rateRemaining = Number((await octokit.rest.rateLimit.get()).data.resources.core.remaining);

console.log(JSON.stringify(summary));
