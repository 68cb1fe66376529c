//! [`Value`]: an owned value to bind to a prepared statement parameter, and [`ToValue`] for the
//! Rust types that convert into one.

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

/// A Rust value that can be bound as a parameter.
pub trait ToValue {
    /// The parameter value.
    fn to_value(&self) -> Value;
}

macro_rules! to_int {
    ($($t:ty => $v:ident as $c:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::$v(*self as $c)
            }
        }
    )*};
}
to_int!(i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64, isize => Int as i64,
        u8 => UInt as u64, u16 => UInt as u64, u32 => UInt as u64, u64 => UInt as u64, usize => UInt as u64);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(*self as i64)
    }
}
impl ToValue for f32 {
    fn to_value(&self) -> Value {
        Value::Float(*self)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Double(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Bytes(self.as_bytes().to_vec())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Bytes(self.as_bytes().to_vec())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Bytes(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
}
impl ToValue for DateTime {
    fn to_value(&self) -> Value {
        Value::DateTime(*self)
    }
}
impl ToValue for Time {
    fn to_value(&self) -> Value {
        Value::Time(*self)
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// A list of parameters: tuples of [`ToValue`] types, slices and vectors of [`Value`], or `()`.
pub trait Params {
    /// The values, in parameter order.
    fn to_values(&self) -> Vec<Value>;

    /// The values, consuming `self`: no copy for a `Vec<Value>` (used where the parameters are
    /// owned, as the sets of a batch).
    fn into_values(self) -> Vec<Value>
    where
        Self: Sized,
    {
        self.to_values()
    }

    /// Appends the values to `out`, in parameter order: what [`to_values`](Self::to_values)
    /// returns, without a vector of its own (used by
    /// [`Connection::execute_params`](crate::Connection::execute_params), which reuses `out`).
    fn write_values(&self, out: &mut Vec<Value>) {
        out.extend(self.to_values());
    }
}

impl Params for () {
    fn to_values(&self) -> Vec<Value> {
        Vec::new()
    }

    fn write_values(&self, _out: &mut Vec<Value>) {}
}
impl Params for [Value] {
    fn to_values(&self) -> Vec<Value> {
        self.to_vec()
    }

    fn write_values(&self, out: &mut Vec<Value>) {
        out.extend_from_slice(self);
    }
}
impl Params for Vec<Value> {
    fn to_values(&self) -> Vec<Value> {
        self.clone()
    }

    fn into_values(self) -> Vec<Value> {
        self
    }

    fn write_values(&self, out: &mut Vec<Value>) {
        out.extend_from_slice(self);
    }
}
impl<const N: usize> Params for [Value; N] {
    fn to_values(&self) -> Vec<Value> {
        self.to_vec()
    }

    fn write_values(&self, out: &mut Vec<Value>) {
        out.extend_from_slice(self);
    }
}
impl<P: Params + ?Sized> Params for &P {
    fn to_values(&self) -> Vec<Value> {
        (**self).to_values()
    }

    fn write_values(&self, out: &mut Vec<Value>) {
        (**self).write_values(out)
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
            fn write_values(&self, out: &mut Vec<Value>) {
                let ($($t,)+) = self;
                out.extend([$($t.to_value()),+]);
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
