"""The domain errors of the notifications app, each with its code (see conventions: Errors)."""

from enum import StrEnum

from sellflow.exceptions import Conflict


class NotificationsErrorCode(StrEnum):
    DEVICE_REGISTERED_ELSEWHERE = "device_registered_elsewhere"


class DeviceRegisteredElsewhere(Conflict):
    code = NotificationsErrorCode.DEVICE_REGISTERED_ELSEWHERE
    message = "This push subscription belongs to another account; only the same browser's full subscription moves it."
