// The notebook view of a ListeningTest: a rater's name, then one trial at a time (drawn by
// mountTrial from trial_view.js, prepended by Python). Answers go to the kernel as messages.
function render({ model, el }) {
  el.classList.add("qavix-listening");
  const head = document.createElement("div");
  head.className = "ql-head";
  const name = document.createElement("input");
  name.className = "ql-rater";
  name.placeholder = "rater name";
  const go = document.createElement("button");
  go.className = "ql-start";
  const message = document.createElement("div");
  message.className = "ql-message";
  const stage = document.createElement("div");
  stage.className = "ql-stage";
  head.append(name, go, message);
  el.append(head, stage);
  let current = null;
  const start = () => {
    if (name.value.trim()) model.send({ type: "start", rater: name.value.trim() });
  };
  go.addEventListener("click", start);
  name.addEventListener("keydown", (e) => { if (e.key === "Enter") start(); e.stopPropagation(); });
  const draw = () => {
    const trial = model.get("trial");
    const running = Boolean(trial && trial.id);
    message.textContent = model.get("message");
    head.classList.toggle("ql-running", running);
    name.disabled = running;
    go.textContent = model.get("rater") ? "Next rater" : "Start";
    go.style.display = running ? "none" : "";
    if (current) { current.destroy(); current = null; }
    if (!running && head.dataset.was === "running") name.value = "";  // the next rater's turn
    head.dataset.was = running ? "running" : "idle";
    stage.innerHTML = "";
    if (!running) return;
    current = mountTrial(stage, { kind: model.get("kind"), letters: trial.letters,
                                  clips: trial.clips, number: trial.number, total: trial.total },
      (answer, seconds) => model.send({ type: "answer", trial: trial.id, answer, seconds }));
  };
  model.on("change:trial", draw);
  model.on("change:message", () => { message.textContent = model.get("message"); });
  draw();
  return () => { if (current) current.destroy(); };
}
export default { render };
