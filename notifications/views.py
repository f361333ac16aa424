from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications import serializers as s
from notifications.filters import NotificationFilter
from notifications.models import Device, Notification
from notifications.push import vapid_public_key
from sellflow.filters import FilterBackend
from sellflow.schema import error_responses

TAGS = ["notifications"]


class OwnNotificationsMixin:
    """The requesting user's notifications only: another user's id is not found."""

    permission_classes = [IsAuthenticated]

    def own_notifications(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)

    def get_notification(self) -> Notification:
        return get_object_or_404(self.own_notifications(), pk=self.kwargs["pk"])


@extend_schema_view(get=extend_schema(tags=TAGS, summary="The user's notifications, newest first",
                                      parameters=[OpenApiParameter("is_read", bool)]))
class NotificationListView(OwnNotificationsMixin, generics.ListAPIView):
    serializer_class = s.NotificationSerializer
    filter_backends = [FilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        return self.own_notifications()


class NotificationDetailView(OwnNotificationsMixin, APIView):
    @extend_schema(tags=TAGS, summary="One notification", responses={200: s.NotificationSerializer})
    def get(self, request, pk):
        return Response(s.NotificationSerializer(self.get_notification()).data)

    @extend_schema(tags=TAGS, summary="Delete a notification", responses={204: None})
    def delete(self, request, pk):
        services.notification_delete(notification=self.get_notification())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MarkAsReadView(OwnNotificationsMixin, APIView):
    @extend_schema(tags=TAGS, summary="Mark a notification as read", request=None,
                   responses={200: s.NotificationSerializer})
    def post(self, request, pk):
        notification = services.notification_mark_read(notification=self.get_notification())
        return Response(s.NotificationSerializer(notification).data)


@extend_schema_view(post=extend_schema(exclude=True))
class MarkReadAliasView(MarkAsReadView):
    """Seed 000's `mark_read/`, kept working and left out of the schema."""


class MarkAllReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Mark every notification as read", request=None,
                   responses={200: s.MarkAllReadSerializer})
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="How many notifications are unread, in all and per type",
                   responses={200: s.UnreadCountSerializer})
    def get(self, request):
        return Response(selectors.unread_counts(request.user.pk))


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="The user's notification preferences", responses={200: s.PreferenceSerializer})
    def get(self, request):
        return Response(s.PreferenceSerializer(services.preferences_for(request.user)).data)

    @extend_schema(tags=TAGS, summary="Change notification preferences", request=s.PreferenceSerializer,
                   responses={200: s.PreferenceSerializer})
    def put(self, request):
        return self._update(request)

    @extend_schema(tags=TAGS, summary="Change some notification preferences", request=s.PreferenceSerializer,
                   responses={200: s.PreferenceSerializer})
    def patch(self, request):
        return self._update(request)

    def _update(self, request):
        # Every field has a default, so PUT with the document's partial body is accepted too.
        serializer = s.PreferenceSerializer(services.preferences_for(request.user), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preference = services.preferences_update(user=request.user, data=serializer.validated_data)
        return Response(s.PreferenceSerializer(preference).data)


class DeviceCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Register this device for push notifications", request=s.DeviceSerializer,
                   responses={201: s.DeviceSerializer, **error_responses(
                       409, s409="A browser subscription registered to another account, posted with other keys "
                                 "(`device_registered_elsewhere`).")})
    def post(self, request):
        serializer = s.DeviceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = services.device_register(user=request.user, **serializer.validated_data)
        return Response(s.DeviceSerializer(device).data, status=status.HTTP_201_CREATED)


class PushConfigView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="What this server can push to: the VAPID key browsers subscribe with, FCM",
                   responses={200: s.PushConfigSerializer})
    def get(self, request):
        public_key = vapid_public_key()
        return Response(s.PushConfigSerializer({
            "web_push": {"enabled": public_key is not None, "vapid_public_key": public_key},
            "fcm": {"enabled": bool(settings.FCM_CREDENTIALS_FILE)},
        }).data)


class DeviceDeleteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Stop push notifications to a device", responses={204: None})
    def delete(self, request, pk):
        get_object_or_404(Device.objects.filter(user=request.user), pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
