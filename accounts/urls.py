from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("google/", views.GoogleSignInView.as_view(), name="google"),
    path("token/refresh/", views.TokenRefresh.as_view(), name="token-refresh"),
    path("token/verify/", views.TokenVerify.as_view(), name="token-verify"),
    path("user/me/", views.MeView.as_view(), name="me"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("avatar/", views.AvatarView.as_view(), name="avatar"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("otp/request/", views.VerificationCodeRequestView.as_view(), name="otp-request"),
    path("otp/verify/", views.VerificationCodeVerifyView.as_view(), name="otp-verify"),
    path("onboarding/", views.OnboardingView.as_view(), name="onboarding"),
]
