from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView, TokenVerifyView

from accounts import serializers as s
from accounts import services
from sellflow.images import Uploader
from sellflow.schema import error_responses
from sellflow.throttling import (
    LOGIN_THROTTLES,
    OTP_THROTTLES,
    REGISTER_THROTTLES,
    UPLOAD_THROTTLES,
    AnonThrottle,
    FailureCountingMixin,
    GoogleSignInIPThrottle,
    PasswordChangeThrottle,
    PasswordResetConfirmIPThrottle,
    PasswordResetIPThrottle,
    UserThrottle,
    with_default_throttles,
)

TAGS = ["auth"]


def _session_body(user, tokens: dict[str, str], request, **extra) -> dict:
    return {**extra, **tokens, "user": s.UserSerializer(user, context={"request": request}).data}


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, *REGISTER_THROTTLES]

    @extend_schema(tags=TAGS, request=s.RegisterSerializer, responses={201: s.RegisterResponseSerializer},
                   summary="Create an account (seller by default) and sign in")
    def post(self, request):
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        data.pop("password_confirm")
        user = services.user_register(**data)
        body = _session_body(user, services.tokens_for_user(user), request, message="User registered successfully.")
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(FailureCountingMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, *LOGIN_THROTTLES]  # a 401 is a failed attempt

    @extend_schema(tags=TAGS, request=s.LoginSerializer,
                   responses={200: s.LoginResponseSerializer,
                              **error_responses(401, s401="Wrong email or password (`invalid_credentials`).")},
                   summary="Sign in with email and password")
    def post(self, request):
        serializer = s.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_login(request=request, **serializer.validated_data)
        return Response(_session_body(user, services.tokens_for_user(user), request))


class GoogleSignInView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, GoogleSignInIPThrottle]

    @extend_schema(tags=TAGS, request=s.GoogleSignInSerializer,
                   responses={200: s.GoogleSignInResponseSerializer, 201: s.GoogleSignInResponseSerializer,
                              **error_responses(
                                  401, 409, 502, 503,
                                  s401="Invalid or expired ID token, or a disabled account.",
                                  s409="The email belongs to another Google account (`google_account_mismatch`).",
                                  s502="Google's signing keys could not be fetched.",
                                  s503="Google sign-in is not configured on this server.")},
                   summary="Sign in (or sign up) with a Google ID token")
    def post(self, request):
        serializer = s.GoogleSignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, created = services.google_sign_in(**serializer.validated_data)
        body = _session_body(user, services.tokens_for_user(user), request, created=created)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LogoutView(APIView):
    permission_classes = [AllowAny]

    def perform_authentication(self, request):
        # A stale access token still in the client's headers must not stop it from ending its
        # session: an unusable one only means there is no access token to end alongside.
        try:
            super().perform_authentication(request)
        except AuthenticationFailed:
            pass  # DRF has already made the request anonymous

    @extend_schema(tags=TAGS, request=s.LogoutSerializer, responses={200: s.MessageSerializer},
                   summary="End this session: its refresh and access tokens stop working, its sockets close")
    def post(self, request):
        serializer = s.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_logout(user=request.user, refresh=serializer.validated_data["refresh"],
                                access_token=request.auth)
        return Response({"message": "Logged out."})


@extend_schema_view(post=extend_schema(
    tags=TAGS, summary="New access token (and rotated refresh token)",
    responses={200: s.SessionRefreshSerializer,
               **error_responses(401, s401="Invalid, expired or already used refresh token (`token_not_valid`).")}))
class TokenRefresh(TokenRefreshView):
    _serializer_class = "accounts.serializers.SessionRefreshSerializer"


@extend_schema_view(post=extend_schema(
    tags=TAGS, summary="Check that a token is valid",
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The token is valid (an empty object)."),
               **error_responses(401, s401="Invalid or expired token (`token_not_valid`).")}))
class TokenVerify(TokenVerifyView):
    _serializer_class = "accounts.serializers.SessionVerifySerializer"


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: s.UserSerializer}, summary="The signed-in user")
    def get(self, request):
        return Response(s.UserSerializer(request.user, context={"request": request}).data)


@extend_schema_view(get=extend_schema(exclude=True))  # GET is an alias of /api/auth/user/me/ (seed 000's path)
class ProfileView(MeView):
    @extend_schema(tags=TAGS, request=s.ProfileUpdateSerializer, responses={200: s.UserSerializer},
                   summary="Update the profile")
    def put(self, request):
        return self._update(request)

    @extend_schema(tags=TAGS, request=s.ProfileUpdateSerializer, responses={200: s.UserSerializer},
                   summary="Update part of the profile")
    def patch(self, request):
        return self._update(request)

    def _update(self, request):
        serializer = s.ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(s.UserSerializer(user, context={"request": request}).data)


class AvatarView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = with_default_throttles(*UPLOAD_THROTTLES)

    @extend_schema(tags=TAGS, request={"multipart/form-data": s.AvatarUploadSerializer},
                   responses={200: s.UserSerializer, **error_responses(
                       429, s429="Too many uploads or image pixels, from this account or this address (`throttled`); "
                                 "see `Retry-After`.")},
                   summary="Upload a profile picture")
    def post(self, request):
        serializer = s.AvatarUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_avatar(user=request.user, upload=serializer.validated_data["avatar"],
                                        uploader=Uploader.of(request))
        return Response(s.UserSerializer(user, context={"request": request}).data)

    @extend_schema(tags=TAGS, responses={200: s.UserSerializer}, summary="Remove the profile picture")
    def delete(self, request):
        user = services.user_remove_avatar(user=request.user)
        return Response(s.UserSerializer(user, context={"request": request}).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserThrottle, PasswordChangeThrottle]

    @extend_schema(tags=TAGS, request=s.PasswordChangeSerializer, responses={200: s.PasswordChangeResponseSerializer},
                   summary="Change the password; other sessions end, this one gets new tokens")
    def post(self, request):
        serializer = s.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.user_change_password(
            user=request.user,
            old_password=serializer.validated_data["old_password"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response({"message": "Password changed.", **tokens})


class PasswordResetView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, PasswordResetIPThrottle]

    @extend_schema(tags=TAGS, request=s.PasswordResetSerializer, responses={200: s.MessageSerializer},
                   summary="Mail a password reset link (same answer whether or not the account exists)")
    def post(self, request):
        serializer = s.PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response({"message": "If an account exists for this email, a reset link is on its way."})


class PasswordResetConfirmView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, PasswordResetConfirmIPThrottle]

    @extend_schema(tags=TAGS, request=s.PasswordResetConfirmSerializer, responses={200: s.MessageSerializer},
                   summary="Set a new password from a reset link")
    def post(self, request):
        serializer = s.PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.password_reset_confirm(uid=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response({"message": "Password reset. Sign in with the new password."})


class VerificationCodeRequestView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserThrottle, *OTP_THROTTLES]

    @extend_schema(tags=TAGS, request=None,
                   responses={200: s.MessageSerializer,
                              **error_responses(409, s409="The email is already verified (`already_verified`).")},
                   summary="Mail a 6-digit code to verify the email address")
    def post(self, request):
        services.verification_code_request(user=request.user)
        return Response({"message": "A verification code was sent to your email address."})


class VerificationCodeVerifyView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserThrottle, *OTP_THROTTLES]

    @extend_schema(tags=TAGS, request=s.VerificationCodeSerializer, responses={200: s.UserSerializer},
                   summary="Verify the email address with the mailed code")
    def post(self, request):
        serializer = s.VerificationCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.verification_code_verify(user=request.user, code=serializer.validated_data["code"])
        return Response(s.UserSerializer(user, context={"request": request}).data)


class OnboardingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=s.OnboardingSerializer, responses={200: s.UserSerializer},
                   summary="Move through the onboarding steps, or complete them")
    def patch(self, request):
        serializer = s.OnboardingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_update_onboarding(
            user=request.user, step=data.get("onboarding_step"), completed=data.get("onboarding_completed")
        )
        return Response(s.UserSerializer(user, context={"request": request}).data)
