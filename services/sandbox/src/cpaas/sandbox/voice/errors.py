"""The API's refusals, in Twilio's error shape: {"code", "message", "more_info", "status"}.

Codes the sandbox answers with (HTTP 400 unless noted):
- 20003 (401) Authenticate: wrong or missing HTTP Basic credentials, or another account's path
- 20404 (404) the requested resource was not found
- 21201 no 'To' number; 21211 invalid 'To' number; 21603 no 'From' number; 21212 invalid 'From' number
- 21205 no Twiml (this sandbox plays inline Twiml only; it never fetches a Url)
- 12100 the Twiml is not a well-formed <Response> document (at most 4000 characters)
- 21609 StatusCallback is not an http(s) URL; 21626 unknown StatusCallbackEvent
- 13224 the call is refused at creation (magic recipient ending 905)
"""

from starlette.responses import JSONResponse

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"

AUTHENTICATE = 20003
NOT_FOUND = 20404
TO_MISSING, TO_INVALID = 21201, 21211
FROM_MISSING, FROM_INVALID = 21603, 21212
TWIML_MISSING = 21205
TWIML_INVALID = 12100
STATUS_CALLBACK_INVALID = 21609
STATUS_CALLBACK_EVENT_INVALID = 21626
CALL_REFUSED = 13224


class VoiceApiError(Exception):
    def __init__(self, code: int, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)
