//! [`Value`]: an owned value to bind to a prepared statement parameter, and [`ToValue`] for the
//! Rust types that convert into one.
//!
//! Encoding a statement does not need owned values: [`ToValue::to_param`] lends a [`ValueRef`]
//! (a `&str` parameter is written to the wire from the caller's string), and
//! [`Params::with_params`] hands a whole parameter set to the encoder as a [`ParamSlice`]
//! without building a vector of [`Value`]s.

use crate::value::temporal::{DateTime, Time};

/// A parameter value for `COM_STMT_EXECUTE`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A signed integer (sent as BIGINT).
    Int(i64),
    /// An unsigned integer (sent as BIGINT UNSIGNED).
    UInt(u64),
    /// A FLOAT.
    Float(f32),
    /// A DOUBLE.
    Double(f64),
    /// Bytes or text (sent as a string; the server converts to the column's type).
    Bytes(Vec<u8>),
    /// A DATE / DATETIME / TIMESTAMP.
    DateTime(DateTime),
    /// A TIME.
    Time(Time),
}

/// A parameter value as the statement encoders read it: a [`Value`] whose bytes are borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A signed integer (sent as BIGINT).
    Int(i64),
    /// An unsigned integer (sent as BIGINT UNSIGNED).
    UInt(u64),
    /// A FLOAT.
    Float(f32),
    /// A DOUBLE.
    Double(f64),
    /// Bytes or text (sent as a string; the server converts to the column's type).
    Bytes(&'a [u8]),
    /// A DATE / DATETIME / TIMESTAMP.
    DateTime(DateTime),
    /// A TIME.
    Time(Time),
}

impl Value {
    /// The value borrowed for encoding.
    #[inline]
    pub fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Int(*v),
            Value::UInt(v) => ValueRef::UInt(*v),
            Value::Float(v) => ValueRef::Float(*v),
            Value::Double(v) => ValueRef::Double(*v),
            Value::Bytes(b) => ValueRef::Bytes(b),
            Value::DateTime(d) => ValueRef::DateTime(*d),
            Value::Time(t) => ValueRef::Time(*t),
        }
    }
}

/// A parameter ready to encode ([`ToValue::to_param`]): borrowed from the Rust value when that
/// holds what goes on the wire (strings, bytes) or nothing needs storing (numbers, dates); owned
/// when converting made new bytes (the text of a `Decimal` or a `Uuid`).
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    /// Borrowed, nothing allocated.
    Borrowed(ValueRef<'a>),
    /// Converted into a short string held inline (the text of a `Decimal`): nothing allocated.
    Inline(InlineBytes),
    /// Converted into an owned value.
    Owned(Value),
}

impl Param<'_> {
    /// The value to encode.
    #[inline]
    pub fn value(&self) -> ValueRef<'_> {
        match self {
            Param::Borrowed(v) => *v,
            Param::Inline(b) => ValueRef::Bytes(b.as_bytes()),
            Param::Owned(v) => v.as_value_ref(),
        }
    }

    /// The value, owned: a copy of borrowed bytes (what `to_value` returns for the types whose
    /// [`to_param`](ToValue::to_param) does the converting).
    pub fn into_value(self) -> Value {
        let v = match self {
            Param::Borrowed(v) => v,
            Param::Inline(b) => return Value::Bytes(b.as_bytes().to_vec()),
            Param::Owned(v) => return v,
        };
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Int(v) => Value::Int(v),
            ValueRef::UInt(v) => Value::UInt(v),
            ValueRef::Float(v) => Value::Float(v),
            ValueRef::Double(v) => Value::Double(v),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
            ValueRef::DateTime(d) => Value::DateTime(d),
            ValueRef::Time(t) => Value::Time(t),
        }
    }

    /// Text converted from a value (a `Decimal`'s, a `Uuid`'s): inline when it fits
    /// [`InlineBytes::CAPACITY`], else owned.
    #[inline]
    pub fn text(bytes: &[u8]) -> Param<'static> {
        match InlineBytes::from_slice(bytes) {
            Some(inline) => Param::Inline(inline),
            None => Param::Owned(Value::Bytes(bytes.to_vec())),
        }
    }
}

/// Up to [`InlineBytes::CAPACITY`] bytes held inline, for [`Param::Inline`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct InlineBytes {
    len: u8,
    bytes: [u8; InlineBytes::CAPACITY],
}

impl InlineBytes {
    /// The most bytes held.
    pub const CAPACITY: usize = 46;

    /// A copy of `bytes`; `None` when they are more than [`CAPACITY`](Self::CAPACITY) (keep
    /// them in a [`Value::Bytes`] then).
    #[inline]
    pub fn from_slice(bytes: &[u8]) -> Option<InlineBytes> {
        let mut inline = InlineBytes {
            len: bytes.len().try_into().ok()?,
            bytes: [0; InlineBytes::CAPACITY],
        };
        inline.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(inline)
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl std::fmt::Debug for InlineBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "InlineBytes({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// One parameter set as [`Params::with_params`] lends it to the statement encoders: the
/// caller's slice of [`Value`]s as it is, or values borrowed from a tuple.
#[derive(Debug, Clone, Copy)]
pub enum ParamSlice<'a> {
    /// A slice of owned values (`&[Value]`, `Vec<Value>`).
    Values(&'a [Value]),
    /// Borrowed values (tuples of [`ToValue`] types).
    Refs(&'a [ValueRef<'a>]),
}

impl<'a> ParamSlice<'a> {
    /// The number of parameters.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            ParamSlice::Values(v) => v.len(),
            ParamSlice::Refs(v) => v.len(),
        }
    }

    /// Whether there are no parameters.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parameter `i`; panics when `i >= len()` (like slice indexing).
    #[inline]
    pub fn get(&self, i: usize) -> ValueRef<'a> {
        match self {
            ParamSlice::Values(v) => v[i].as_value_ref(),
            ParamSlice::Refs(v) => v[i],
        }
    }

    /// The parameters in order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'a>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// A Rust value that can be bound as a parameter.
pub trait ToValue {
    /// The parameter value.
    fn to_value(&self) -> Value;

    /// The value to encode, borrowing `self` where it can: what statement execution uses, so
    /// that binding a `&str` or a `Vec<u8>` copies it only into the command. The default
    /// converts with [`to_value`](Self::to_value); implement it too when `self` holds its
    /// wire bytes.
    #[inline]
    fn to_param(&self) -> Param<'_> {
        Param::Owned(self.to_value())
    }
}

/// `ToValue` for types encoded as they are: `to_param` lends the value, `to_value` is an owned
/// copy of it.
macro_rules! lent {
    ($($t:ty => |$s:ident| $e:expr),* $(,)?) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                self.to_param().into_value()
            }

            #[inline]
            fn to_param(&self) -> Param<'_> {
                let $s = self;
                Param::Borrowed($e)
            }
        }
    )*};
}
lent!(
    i8 => |v| ValueRef::Int(*v as i64),
    i16 => |v| ValueRef::Int(*v as i64),
    i32 => |v| ValueRef::Int(*v as i64),
    i64 => |v| ValueRef::Int(*v),
    isize => |v| ValueRef::Int(*v as i64),
    u8 => |v| ValueRef::UInt(*v as u64),
    u16 => |v| ValueRef::UInt(*v as u64),
    u32 => |v| ValueRef::UInt(*v as u64),
    u64 => |v| ValueRef::UInt(*v),
    usize => |v| ValueRef::UInt(*v as u64),
    bool => |v| ValueRef::Int(*v as i64),
    f32 => |v| ValueRef::Float(*v),
    f64 => |v| ValueRef::Double(*v),
    str => |v| ValueRef::Bytes(v.as_bytes()),
    String => |v| ValueRef::Bytes(v.as_bytes()),
    [u8] => |v| ValueRef::Bytes(v),
    Vec<u8> => |v| ValueRef::Bytes(v),
    DateTime => |v| ValueRef::DateTime(*v),
    Time => |v| ValueRef::Time(*v),
);
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }

    #[inline]
    fn to_param(&self) -> Param<'_> {
        Param::Borrowed(self.as_value_ref())
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }

    #[inline]
    fn to_param(&self) -> Param<'_> {
        match self {
            Some(v) => v.to_param(),
            None => Param::Borrowed(ValueRef::Null),
        }
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }

    #[inline]
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}

/// A list of parameters: tuples of [`ToValue`] types, slices and vectors of [`Value`], or `()`.
pub trait Params {
    /// The values, in parameter order.
    fn to_values(&self) -> Vec<Value>;

    /// The values, consuming `self`: no copy for a `Vec<Value>`.
    fn into_values(self) -> Vec<Value>
    where
        Self: Sized,
    {
        self.to_values()
    }

    /// Calls `f` once with the parameters in order, borrowed from `self`: how statements are
    /// encoded ([`Connection::execute_params`](crate::Connection::execute_params), batches).
    /// Tuples lend their values from the stack and slices of [`Value`] lend themselves, so
    /// nothing is allocated but what [`ToValue::to_param`] must convert. The default lends
    /// [`to_values`](Self::to_values).
    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        f(ParamSlice::Values(&self.to_values()))
    }
}

impl Params for () {
    fn to_values(&self) -> Vec<Value> {
        Vec::new()
    }

    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        f(ParamSlice::Values(&[]))
    }
}
impl Params for [Value] {
    fn to_values(&self) -> Vec<Value> {
        self.to_vec()
    }

    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        f(ParamSlice::Values(self))
    }
}
impl Params for Vec<Value> {
    fn to_values(&self) -> Vec<Value> {
        self.clone()
    }

    fn into_values(self) -> Vec<Value> {
        self
    }

    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        f(ParamSlice::Values(self))
    }
}
impl<const N: usize> Params for [Value; N] {
    fn to_values(&self) -> Vec<Value> {
        self.to_vec()
    }

    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        f(ParamSlice::Values(self))
    }
}
impl<P: Params + ?Sized> Params for &P {
    fn to_values(&self) -> Vec<Value> {
        (**self).to_values()
    }

    fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
        (**self).with_params(f)
    }
}

macro_rules! params_tuple {
    ($($t:ident),+) => {
        impl<$($t: ToValue),+> Params for ($($t,)+) {
            #[allow(non_snake_case)]
            fn to_values(&self) -> Vec<Value> {
                let ($($t,)+) = self;
                vec![$($t.to_value()),+]
            }

            #[allow(non_snake_case)]
            #[inline]
            fn with_params(&self, f: &mut dyn FnMut(ParamSlice<'_>)) {
                let ($($t,)+) = self;
                let ($($t,)+) = ($($t.to_param(),)+);
                f(ParamSlice::Refs(&[$($t.value()),+]))
            }
        }
    };
}
params_tuple!(A);
params_tuple!(A, B);
params_tuple!(A, B, C);
params_tuple!(A, B, C, D);
params_tuple!(A, B, C, D, E);
params_tuple!(A, B, C, D, E, F);
params_tuple!(A, B, C, D, E, F, G);
params_tuple!(A, B, C, D, E, F, G, H);
params_tuple!(A, B, C, D, E, F, G, H, I);
params_tuple!(A, B, C, D, E, F, G, H, I, J);
params_tuple!(A, B, C, D, E, F, G, H, I, J, K);
params_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);
