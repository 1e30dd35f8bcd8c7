"""Op-table rows (see ``op_cases``) for the math ops (``chainrule.ops.math_functions`` and
``chainrule.special``)."""

from op_cases import C, M, R, S, V, case, positive, real, spaced

# fmt: off
# ------------------------------------------------------------------ samplers (domains)


def inner_unit(rng, shape):
    """(-0.9, 0.9): asin, acos, atanh, erfinv away from the singularities at +-1."""
    return rng.uniform(-0.9, 0.9, shape)


def prob(rng, shape):
    """(0.05, 0.95): logit, ndtri."""
    return rng.uniform(0.05, 0.95, shape)


def above_one(rng, shape):
    """acosh needs x > 1; kept away from 1, where its derivative blows up."""
    return rng.uniform(1.2, 3.0, shape)


def gamma_domain(rng, shape):
    """Positive, away from the pole of lgamma/digamma/polygamma at 0."""
    return rng.uniform(0.4, 5.0, shape)


def gamma_negative(rng, shape):
    """Between the poles -3 and -2 (the reflection formulas), away from both."""
    return rng.uniform(-2.8, -2.2, shape)


def mvlgamma_domain(rng, shape):
    """mvlgamma(x, p=3) needs x > (p - 1)/2 = 1."""
    return rng.uniform(1.5, 4.0, shape)


def left_tail(rng, shape):
    """log_ndtr in the left tail, where ndtr is ~1e-19 .. 3e-7 (deeper, float32 gradients
    lose ~1e-5 relative precision in torch and here alike: -x^2/2 - log_ndtr cancels)."""
    return rng.uniform(-9.0, -5.0, shape)


# ------------------------------------------------------------------ inverse trig, hyperbolic
case("asin", lambda L, a: L.asin(a), M, domain=inner_unit)
case("asin_method_arcsin", lambda L, a: a.arcsin() + L.arcsin(a), V, domain=inner_unit)
case("acos", lambda L, a: L.acos(a), M, domain=inner_unit)
case("acos_arccos_method", lambda L, a: a.arccos(), V, domain=inner_unit)
case("atan", lambda L, a: L.atan(a), M)
case("atan_arctan_method", lambda L, a: a.arctan() + L.arctan(a), V)
case("asinh", lambda L, a: L.asinh(a), M)
case("asinh_arcsinh_method", lambda L, a: a.arcsinh(), V)
case("acosh", lambda L, a: L.acosh(a), M, domain=above_one)
case("acosh_arccosh_method", lambda L, a: a.arccosh(), V, domain=above_one)
case("atanh", lambda L, a: L.atanh(a), M, domain=inner_unit)
case("atanh_arctanh_method", lambda L, a: a.arctanh(), V, domain=inner_unit)
case("sinh", lambda L, a: L.sinh(a), M)
case("cosh", lambda L, a: a.cosh(), M)
case("atan2", lambda L, a, b: L.atan2(a, b), M, M)
case("atan2_bcast", lambda L, a, b: a.arctan2(b), R, C)
case("hypot", lambda L, a, b: L.hypot(a, b), M, M)
case("hypot_bcast", lambda L, a, b: a.hypot(b), S, V)

# ------------------------------------------------------------------ exponentials and logs
case("logaddexp", lambda L, a, b: L.logaddexp(a, b), M, M)
case("logaddexp_bcast", lambda L, a, b: a.logaddexp(b * 30), R, C)
case("logaddexp2", lambda L, a, b: L.logaddexp2(a, b), M, M)
case("logaddexp2_bcast", lambda L, a, b: a.logaddexp2(b * 30), V, S)
case("exp2", lambda L, a: L.exp2(a), M)
case("xlogy", lambda L, a, b: L.xlogy(a, b), M, M, domain=(real, positive))
case("xlogy_bcast_method", lambda L, a, b: a.xlogy(b), R, C, domain=(real, positive))
case("xlogy_number_other", lambda L, a: L.xlogy(a, 3.0), V)
case("xlogy_number_input", lambda L, b: L.xlogy(2.0, b), V, domain=positive)
case("xlog1py", lambda L, a, b: L.special.xlog1py(a, b), M, M, domain=(real, positive))
case("logit", lambda L, a: L.logit(a), M, domain=prob)
case("logit_eps", lambda L, a: a.logit(eps=0.2), M, domain=prob)
case("entr", lambda L, a: L.special.entr(a), M, domain=positive)

# ------------------------------------------------------------------ error function family
case("erfc", lambda L, a: L.erfc(a), M)
case("erfc_special", lambda L, a: L.special.erfc(a * 3), V)
case("erfinv", lambda L, a: L.erfinv(a), M, domain=inner_unit)
case("ndtr", lambda L, a: L.special.ndtr(a), M)
case("log_ndtr", lambda L, a: L.special.log_ndtr(a * 3), M)
case("log_ndtr_left_tail", lambda L, a: L.special.log_ndtr(a), V, domain=left_tail)
case("ndtri", lambda L, a: L.special.ndtri(a), M, domain=prob)

# ------------------------------------------------------------------ gamma family
case("lgamma", lambda L, a: L.lgamma(a), M, domain=gamma_domain)
case("lgamma_negative", lambda L, a: a.lgamma(), V, domain=gamma_negative)
case("digamma", lambda L, a: L.digamma(a), M, domain=gamma_domain)
case("digamma_negative", lambda L, a: a.digamma(), V, domain=gamma_negative)
case("polygamma_0", lambda L, a: L.polygamma(0, a), V, domain=gamma_domain)
case("polygamma_1", lambda L, a: L.polygamma(1, a), M, domain=gamma_domain)
case("polygamma_2", lambda L, a: L.polygamma(2, a), V, domain=gamma_domain)
case("polygamma_3_negative", lambda L, a: L.polygamma(3, a), V, domain=gamma_negative)
case("mvlgamma", lambda L, a: L.mvlgamma(a, 3), M, domain=mvlgamma_domain)
case("mvlgamma_p1_method", lambda L, a: a.mvlgamma(1), V, domain=gamma_domain)

# ------------------------------------------------------------------ Bessel
case("i0", lambda L, a: L.i0(a * 3), M)
case("i1", lambda L, a: L.special.i1(a * 3), M)

# ------------------------------------------------------------------ others
case("sinc", lambda L, a: L.sinc(a), M)
case("deg2rad", lambda L, a: L.deg2rad(a), M)
case("rad2deg", lambda L, a: a.rad2deg(), M)
case("copysign", lambda L, a, b: L.copysign(a, b), M, M, domain=spaced)
case("copysign_number", lambda L, a: a.copysign(-2.0), V, domain=spaced)
case("fmax", lambda L, a, b: L.fmax(a, b), M, M, domain=spaced)
case("fmax_bcast", lambda L, a, b: a.fmax(b), R, C, domain=spaced)
case("fmin", lambda L, a, b: L.fmin(a, b), M, M, domain=spaced)
case("nan_to_num", lambda L, a: L.nan_to_num(a, posinf=1.0), M)
case("frac", lambda L, a: L.frac(a * 3), M, domain=spaced)
case("float_power", lambda L, a, b: L.float_power(a, b), M, M, domain=(positive, real))
case("float_power_number_exponent", lambda L, a: a.float_power(2.5), V, domain=positive)
case("float_power_number_base", lambda L, b: L.float_power(1.5, b), V)
case("ldexp", lambda L, a, b: L.ldexp(a, b), M, M)
case("angle", lambda L, a: L.angle(a) + a, M)
case("sgn", lambda L, a: L.sgn(a) * a, M, domain=spaced)
case("positive", lambda L, a: L.positive(a) * 2, V)
case("conj", lambda L, a: (L.conj(a) + a.conj_physical() + L.resolve_conj(a)) * 2, V)
