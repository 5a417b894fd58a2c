"""AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) emulated on 127.0.0.1.

moto does not emulate this service, so the local stack and the tests run this small
one: the JSON protocol botocore speaks (`X-Amz-Target: PinpointSMSVoiceV2.<Operation>`),
for the operations the stack uses:

- `CreateConfigurationSet`, `CreateEventDestination` (SNS destinations), as the
  template's `AWS::SMSVOICE::ConfigurationSet` declares them;
- `SendTextMessage`: records the text and answers a message id. It refuses what the
  service refuses for a recipient: a number on the opt-out list (`ConflictException`
  `DESTINATION_PHONE_NUMBER_OPTED_OUT`) and one that is not E.164
  (`ValidationException` `CANNOT_PARSE`).

A configuration set with an SNS event destination gets a delivery report for each text
(the documented record shape, with the message's `context`), published to the topic
when `publish` is given, so the local stack runs the whole round trip. `report()`
publishes any other outcome (an invalid number, an unreachable phone) on purpose.
No IAM is evaluated here: the service's permissions are checked by the template lint.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from courteous import clock as domain_clock

TARGET_PREFIX = "PinpointSMSVoiceV2."
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# What the service's documented example reports for one GSM part (USD).
PRICE_PER_PART = 0.00581


@dataclass(frozen=True)
class SentText:
    message_id: str
    destination: str
    body: str
    message_type: str | None
    origination_identity: str | None
    configuration_set: str | None
    context: dict[str, str]
    at_ms: int


@dataclass
class _ConfigurationSet:
    name: str
    topics: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


class _ServiceError(Exception):
    def __init__(self, code: str, message: str, reason: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.reason, self.status = code, message, reason, status


class SmsVoiceEmulator:
    def __init__(self, publish: Callable[[str, str], None] | None = None) -> None:
        """`publish(topic_arn, message)` sends a delivery report (None: reports are kept)."""
        self.texts: list[SentText] = []
        self.reports: list[tuple[str, dict[str, Any]]] = []
        self.opted_out: set[str] = set()
        self._publish = publish
        self._sets: dict[str, _ConfigurationSet] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.endpoint = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b"{}"
                target = self.headers.get("x-amz-target", "")
                status, answer = emulator.answer(target, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/x-amz-json-1.0")
                self.send_header("content-length", str(len(data)))
                self.send_header("x-amzn-requestid", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return  # one line per call would bury what the stack prints

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ protocol
    def answer(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        operation = target.removeprefix(TARGET_PREFIX)
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateConfigurationSet": self._create_configuration_set,
            "CreateEventDestination": self._create_event_destination,
            "SendTextMessage": self._send_text_message,
        }
        try:
            params = json.loads(body or b"{}")
            handler = handlers.get(operation)
            if handler is None:
                raise _ServiceError("UnknownOperationException", f"{operation} is not emulated")
            return 200, handler(params)
        except _ServiceError as error:
            answer: dict[str, Any] = {"__type": error.code, "message": error.message}
            if error.reason:
                answer["Reason"] = error.reason
            return error.status, answer
        except (json.JSONDecodeError, KeyError) as exc:
            return 400, {"__type": "ValidationException", "message": f"bad request: {exc}"}

    def _create_configuration_set(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ConfigurationSetName"]
        with self._lock:
            if name in self._sets:
                raise _ServiceError(
                    "ConflictException", f"{name} exists", "RESOURCE_ALREADY_EXISTS"
                )
            self._sets[name] = _ConfigurationSet(name)
        return {"ConfigurationSetName": name, "ConfigurationSetArn": self._arn(name)}

    def _create_event_destination(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ConfigurationSetName"]
        with self._lock:
            configuration = self._sets.get(name)
            if configuration is None:
                raise _ServiceError("ResourceNotFoundException", f"no configuration set {name}")
            sns = params.get("SnsDestination") or {}
            if "TopicArn" in sns:
                configuration.topics[params["EventDestinationName"]] = (
                    sns["TopicArn"],
                    frozenset(params.get("MatchingEventTypes") or ["ALL"]),
                )
        return {"ConfigurationSetName": name, "ConfigurationSetArn": self._arn(name)}

    def _send_text_message(self, params: dict[str, Any]) -> dict[str, Any]:
        destination = str(params["DestinationPhoneNumber"])
        if not _E164.match(destination):
            raise _ServiceError("ValidationException", "not an E.164 number", "CANNOT_PARSE")
        if not params.get("MessageBody"):
            raise _ServiceError(
                "ValidationException", "MessageBody is required", "MISSING_PARAMETER"
            )
        configuration = params.get("ConfigurationSetName")
        if configuration is not None and configuration not in self._sets:
            raise _ServiceError(
                "ResourceNotFoundException", f"no configuration set {configuration}"
            )
        with self._lock:
            if destination in self.opted_out:
                raise _ServiceError(
                    "ConflictException",
                    "the destination phone number is opted out",
                    "DESTINATION_PHONE_NUMBER_OPTED_OUT",
                )
            text = SentText(
                message_id=f"{next(self._ids):08d}-{uuid.uuid4()}",
                destination=destination,
                body=str(params["MessageBody"]),
                message_type=params.get("MessageType"),
                origination_identity=params.get("OriginationIdentity"),
                configuration_set=configuration,
                context=dict(params.get("Context") or {}),
                # The stack's clock (virtual in the local stack), as the service's own.
                at_ms=int(domain_clock.now().timestamp() * 1000),
            )
            self.texts.append(text)
        self.report(text.message_id, "TEXT_DELIVERED", "Message has been accepted by phone")
        return {"MessageId": text.message_id}

    # ------------------------------------------------------------------ reports
    def report(self, message_id: str, event_type: str, description: str) -> dict[str, Any]:
        """A delivery report for a sent text, in the documented record shape, published
        to its configuration set's SNS destinations that match the event type."""
        text = next(t for t in self.texts if t.message_id == message_id)
        status = event_type.removeprefix("TEXT_")
        record: dict[str, Any] = {
            "eventType": event_type,
            "eventVersion": "1.0",
            "eventTimestamp": text.at_ms + 500,
            "isFinal": True,
            "originationPhoneNumber": text.origination_identity or "+12065550152",
            "destinationPhoneNumber": text.destination,
            "isInternationalSend": False,
            "messageId": text.message_id,
            "messageRequestTimestamp": text.at_ms,
            "messageEncoding": "GSM",
            "messageType": text.message_type or "TRANSACTIONAL",
            "messageStatus": status,
            "messageStatusDescription": description,
            "context": text.context,
            "totalMessageParts": 1,
            "totalMessagePrice": PRICE_PER_PART,
            "totalCarrierFee": 0.0,
        }
        configuration = self._sets.get(text.configuration_set or "")
        if configuration is not None:
            for topic, types in configuration.topics.values():
                if types & {event_type, "ALL", "TEXT_ALL"}:
                    self.reports.append((topic, record))
                    if self._publish is not None:
                        self._publish(topic, json.dumps(record))
        return record

    def _arn(self, name: str) -> str:
        return f"arn:aws:sms-voice:us-east-1:123456789012:configuration-set/{name}"


@contextmanager
def sms_voice_emulator(
    publish: Callable[[str, str], None] | None = None,
) -> Iterator[SmsVoiceEmulator]:
    emulator = SmsVoiceEmulator(publish)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
