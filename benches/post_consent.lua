-- wrk script: POST the decision in $CONSENTRY_BODY (a file) to /api/v1/consents, as the banner
-- does (text/plain, from the registry's origin).
local file = assert(io.open(os.getenv("CONSENTRY_BODY"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["Origin"] = os.getenv("CONSENTRY_ORIGIN") or "https://www.smartfocus.com"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
wrk.headers["Sec-GPC"] = "1"
