// The console's little script: the language switch, the shop picker, and (deployed) the
// sign-in against the Cognito user pool, after which pages are fetched with the token
// and swapped in.
(function () {
  "use strict";
  var body = document.body;
  var prefix = body.dataset.prefix || "/console";

  function bindPage(root) {
    root.querySelectorAll("[data-submit-on-change]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
  }

  document.querySelectorAll("button.lang").forEach(function (button) {
    button.addEventListener("click", function () {
      document.cookie = "console_lang=" + button.dataset.lang + "; path=" + prefix + "; SameSite=Strict; max-age=31536000";
      if (token()) { load(location.pathname + location.search); } else { location.reload(); }
    });
  });
  bindPage(document);

  // ---------------------------------------------------------------- deployed sign-in
  function token() { return sessionStorage.getItem("console_token"); }
  var region = body.dataset.authRegion;
  var clientId = body.dataset.clientId;
  if (!region || !clientId) { return; }  // local, or a page fetched after signing in

  function cognito(target, payload) {
    return fetch("https://cognito-idp." + region + ".amazonaws.com/", {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "AWSCognitoIdentityProviderService." + target },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { throw new Error(answer.message || answer.__type || "sign-in failed"); }
        return answer;
      });
    });
  }
  function swap(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.getElementById("main").replaceWith(page.getElementById("main"));
    var header = page.querySelector("header.top");
    if (header) { document.querySelector("header.top").replaceWith(header); }
    bindPage(document);
  }
  function load(url, options, replace) {
    options = options || {};
    options.headers = Object.assign({ Authorization: "Bearer " + token() }, options.headers || {});
    return fetch(url, options).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem("console_token"); location.assign(prefix); return; }
      return r.text().then(function (html) {
        swap(html);
        if (!options.method || options.method === "GET") {
          history[replace ? "replaceState" : "pushState"]({}, "", url);
        }
      });
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='" + prefix + "']");
    if (!link || !token()) { return; }
    event.preventDefault(); load(link.getAttribute("href"));
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "signin") { return; }
    if (!token()) { return; }
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    if ((form.method || "get").toLowerCase() === "get") { load(form.action + "?" + data.toString()); return; }
    load(form.action, { method: "POST", body: data,
      headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  });
  window.addEventListener("popstate", function () { if (token()) { load(location.pathname + location.search, {}, true); } });

  var signin = document.getElementById("signin");
  var session = null;
  function signedIn(result) {
    sessionStorage.setItem("console_token", result.AuthenticationResult.IdToken);
    load(prefix + "/home", {}, true);
  }
  function fail(error) {
    signin.querySelector("[role=alert]").textContent = error.message;
  }
  signin.addEventListener("submit", function (event) {
    event.preventDefault();
    var user = signin.elements.email.value, fresh = signin.elements.new_password.value;
    var asked = session
      ? cognito("RespondToAuthChallenge", { ChallengeName: "NEW_PASSWORD_REQUIRED", ClientId: clientId,
          Session: session, ChallengeResponses: { USERNAME: user, NEW_PASSWORD: fresh } })
      : cognito("InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId,
          AuthParameters: { USERNAME: user, PASSWORD: signin.elements.password.value } });
    asked.then(function (answer) {
      if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") {
        session = answer.Session;
        signin.querySelector("[data-new-password]").hidden = false;
        return;
      }
      if (answer.AuthenticationResult) { signedIn(answer); return; }
      throw new Error(answer.ChallengeName || "sign-in failed");
    }).catch(fail);
  });
  if (token()) { load(prefix + "/home", {}, true); }
})();
