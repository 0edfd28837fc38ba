// The exported page: a rater types a name, answers every trial in a random order, and gets a
// results file (download, or copy the text) to send back. Works offline from a file:// URL.
const data = JSON.parse(document.getElementById("qavix-test").textContent);
const app = document.getElementById("app");

function shuffled(list) {
  const out = list.slice();
  const random = new Uint32Array(out.length);
  crypto.getRandomValues(random);
  for (let i = out.length - 1; i > 0; i--) {
    const j = random[i] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function start() {
  const name = document.getElementById("ql-rater").value.trim();
  if (!name) { document.getElementById("ql-rater").focus(); return; }
  const order = shuffled(data.trials);
  const answers = [];
  const show = (i) => {
    if (i === order.length) { finish(name, answers); return; }
    const t = order[i];
    mountTrial(app, { kind: data.kind, letters: t.letters, number: i + 1, total: order.length,
                      clips: t.stimuli.map((s) => data.stimuli[s]) },
               (answer, seconds) => {
                 answers.push({ trial: t.id, answer, response_s: Math.round(seconds * 1000) / 1000 });
                 show(i + 1);
               });
  };
  show(0);
}

function finish(rater, answers) {
  const results = { format: "qavix-listening-results/1", test: data.test, kind: data.kind,
                    rater, finished: new Date().toISOString(), answers };
  const text = JSON.stringify(results);
  app.innerHTML = "";
  const done = document.createElement("div");
  done.className = "ql-done";
  done.innerHTML = "<h2>Thank you!</h2><p>Send the results file back (download it, or copy " +
                   "the text into an e-mail).</p>";
  const link = document.createElement("a");
  link.className = "ql-download";
  link.textContent = "Download results";
  link.download = `listening-results-${rater.replace(/[^\w-]+/g, "_")}.json`;
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const copy = document.createElement("button");
  copy.className = "ql-copy";
  copy.textContent = "Copy as text";
  const area = document.createElement("textarea");
  area.className = "ql-results";
  area.readOnly = true;
  area.value = text;
  copy.addEventListener("click", () => {
    area.select();
    (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject())
      .catch(() => document.execCommand("copy"));
    copy.textContent = "Copied";
  });
  done.append(link, copy, area);
  app.append(done);
}

document.getElementById("ql-start").addEventListener("click", start);
document.getElementById("ql-rater").addEventListener("keydown", (e) => { if (e.key === "Enter") start(); });
